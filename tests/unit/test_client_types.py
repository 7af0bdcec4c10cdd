"""static/vault-client.d.ts types the contract: a host app written from the README compiles with
`tsc --strict` against it, and misuses do not. TypeScript comes from npm (package.json, tests only)."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TSC = ROOT / "node_modules" / "typescript" / "bin" / "tsc"
CLIENT = (ROOT / "static" / "vault-client.js").as_posix()

# As the README's "Host apps" and "JS bridge" sections show it.
HOST = f"""
import {{ openVault, METHODS, type AssetMeta, type ChangeDetail, type VaultError }} from "{CLIENT}";

async function canvasBlob(): Promise<Blob> {{
  return new Blob([new Uint8Array(8)], {{ type: "image/png" }});
}}

export async function main(): Promise<void> {{
  const vault = await openVault("/");
  await vault.ready;
  const projectId = await vault.createProject({{ title: "Sunset", frameCount: 24 }});
  const ref = await vault.saveBlob(projectId, await canvasBlob(), {{ role: "frame", params: {{ prompt: "dusk", frameNumber: 1 }} }});
  vault.addEventListener("assetvault:change", (e) => {{
    const detail: ChangeDetail = e.detail;
    if (detail.action === "moved") console.log(detail.fromProjectId);
  }});
  vault.addEventListener("assetvault:regenerate", async ({{ detail }}) => {{
    await vault.replaceBlob(detail.ref, await canvasBlob());
  }});
  const meta: AssetMeta | null = await vault.getMeta(ref);
  if (meta && meta.crc32 !== null && meta.backup !== "none") console.log(meta.name, meta.thumbnailRef);
  const frames = await vault.listAssets(projectId, {{ kind: "image" }});
  await vault.moveAssets(frames.map((m) => m.ref), projectId);
  const {{ assetsDeleted }} = await vault.deleteProject(projectId);
  const archive: Blob = await vault.exportProject(projectId);
  const imported = await vault.importArchive(archive);
  console.log(assetsDeleted, imported.skipped.join(", "), METHODS.length);
  const generation = await vault.generation(await vault.track("a1,b2", {{ projectId }}));
  if (generation.status === "completed") console.log(generation.files.map((f) => f.ref));
  await vault.configureBackup({{ endpoint: "https://s3.example", bucket: "b", accessKeyId: "k", secretAccessKey: "s" }});
  await vault.configureBackup({{ endpoint: "https://s3.example", bucket: "b", signerUrl: "https://sign.example/" }});
  const status = await vault.backupStatus();
  console.log(status.queued, status.lastError ?? "", (await vault.usage()).quota ?? "unknown");
  try {{
    await vault.restoreProject(projectId);
  }} catch (err) {{
    if ((err as VaultError).name === "IntegrityError") console.log("a file in the backup is damaged");
  }}
  vault.close();
}}

export async function onTheVaultsPage(): Promise<void> {{
  const bridge = await window.assetVaultReady;
  window.addEventListener("assetvault:change", (e) => console.log(e.detail.projectId));
  console.log(await bridge.version());
}}
"""

# Each must fail to compile, for the reason given.
MISUSES = {
    "a string where a Blob goes": 'await vault.saveBlob("p", "data:image/png;base64,AAAA");',
    "an unknown kind": 'await vault.listAssets("p", { kind: "picture" });',
    "a project without a title": 'await vault.createProject({ prompt: "dusk" });',
    "keys and a signer at once": ('await vault.configureBackup({ endpoint: "e", bucket: "b", accessKeyId: "k", '
                                  'secretAccessKey: "s", signerUrl: "https://sign.example/" });'),
    "a method the vault does not have": 'await vault.saveFile("p", new Blob([]));',
    "a ref used as a number": 'const n: number = await vault.saveBlob("p", new Blob([]));',
}


def compile_ts(tmp_path: Path, source: str) -> subprocess.CompletedProcess:
    assert TSC.exists(), "TypeScript is missing: `make setup` installs it (package.json devDependencies)"
    (tmp_path / "host.ts").write_text(source)
    return subprocess.run(["node", str(TSC), "--strict", "--noEmit", "--target", "es2022", "--module", "es2022",
                           "--moduleResolution", "bundler", "--lib", "es2022,dom", "--skipLibCheck", "false",
                           str(tmp_path / "host.ts")], capture_output=True, text=True, timeout=120)


def test_a_host_app_written_from_the_readme_compiles_strictly(tmp_path):
    done = compile_ts(tmp_path, HOST)
    assert done.returncode == 0, done.stdout + done.stderr


def test_each_misuse_fails_to_compile_on_its_own_line(tmp_path):
    lines = [f'import {{ openVault }} from "{CLIENT}";', "const vault = await openVault();"]
    where = {}
    for why, code in MISUSES.items():
        where[len(lines) + 2] = why  # tsc counts lines from 1; the function's body is the next line
        lines += [f"export async function misuse{len(where)}(): Promise<void> {{", f"  {code}", "}"]
    done = compile_ts(tmp_path, "\n".join(lines) + "\n")
    failed = {int(n) for n in re.findall(r"host\.ts\((\d+),\d+\): error TS\d+", done.stdout)}
    assert done.returncode != 0
    assert {why for line, why in where.items() if line not in failed} == set(), done.stdout
    assert failed <= set(where), done.stdout  # nothing else in the file is wrong


def test_the_types_name_every_method_of_the_client():
    declared = re.search(r"export interface AssetVault \{(.*?)\n\}", (ROOT / "static" / "vault-client.d.ts").read_text(),
                         re.S).group(1)
    names = set(re.findall(r"^  (\w+)\(", declared, re.M))
    methods = set(re.findall(r'"(\w+)"', re.search(r"export const METHODS = \[(.*?)\];",
                                                     (ROOT / "static" / "vault-client.js").read_text(), re.S).group(1)))
    assert names == methods
