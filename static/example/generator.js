// The example host app: the vault from this page (same origin) or from another origin, named by
// ?vault=<url of the vault's page> (that origin must be listed in the vault's hostOrigins).
import { openVault } from "../vault-client.js";

const $ = (id) => document.getElementById(id);
const vaultUrl = new URLSearchParams(location.search).get("vault") || new URL("../../", import.meta.url).href;
$("vault-link").href = vaultUrl;
let projectId = null;

function log(line) {
  $("log").prepend(`${new Date().toLocaleTimeString()} ${line}\n`);
}

// A frame drawn from its params alone, so the same params make it again (for "Regenerate").
function draw({ prompt, frameNumber, frameCount }) {
  const canvas = document.createElement("canvas");
  canvas.width = 320;
  canvas.height = 180;
  const g = canvas.getContext("2d");
  const hue = (frameNumber * 360) / Math.max(frameCount, 1);
  g.fillStyle = `hsl(${hue} 70% 45%)`;
  g.fillRect(0, 0, 320, 180);
  g.fillStyle = "#fff";
  g.font = "bold 20px sans-serif";
  g.fillText(`frame ${frameNumber + 1} of ${frameCount}`, 16, 40);
  g.font = "16px sans-serif";
  g.fillText(prompt.slice(0, 34), 16, 150);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
}

function show(ref, blob) {
  const item = document.querySelector(`#frames li[data-ref="${ref}"]`) || document.createElement("li");
  item.dataset.ref = ref;
  const img = document.createElement("img");
  img.alt = `frame ${ref}`;
  img.src = URL.createObjectURL(blob);
  img.onload = () => URL.revokeObjectURL(img.src);
  const code = document.createElement("code");
  code.textContent = ref;
  item.replaceChildren(img, code);
  $("frames").append(item);
}

async function main() {
  let vault;
  try {
    vault = await openVault(vaultUrl);
    $("vault-state").textContent = `Vault at ${vault.url} ready (version ${await vault.version()}).`;
  } catch (err) {
    $("vault-state").textContent = `The vault cannot be used from here: ${err.message}`;
    $("vault-state").className = "error";
    $("vault-state").dataset.error = err.name;
    return;
  }
  vault.addEventListener("assetvault:change", ({ detail }) =>
    log(`${detail.type} ${detail.action}${detail.ref ? ` ${detail.ref}` : ""}`));
  // A person clicked "Regenerate" on a lost frame in the vault: make it again, under the same ref.
  vault.addEventListener("assetvault:regenerate", async ({ detail }) => {
    if (typeof detail.params?.frameNumber !== "number") return;
    const blob = await draw(detail.params);
    await vault.replaceBlob(detail.ref, blob);
    show(detail.ref, blob);
    log(`regenerated ${detail.ref}`);
  });
  $("make").disabled = $("track").disabled = false;

  $("make-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const prompt = $("prompt").value;
    const frameCount = Math.min(200, Math.max(1, Number($("count").value) || 1));
    $("make").disabled = true;
    try {
      projectId = await vault.createProject({ title: `Example: ${prompt}`, prompt, frameCount });
      for (let frameNumber = 0; frameNumber < frameCount; frameNumber++) {
        const params = { prompt, frameNumber, frameCount, model: "canvas-demo" };
        const blob = await draw(params);
        const ref = await vault.saveBlob(projectId, blob, { role: "frame", name: `frame ${frameNumber + 1}.png`, params });
        show(ref, blob);  // kept as it is made: a crash loses nothing already drawn
      }
      $("frames").dataset.project = projectId;
    } catch (err) {
      log(`error: ${err.name}: ${err.message}`);
    } finally {
      $("make").disabled = false;
    }
  });

  $("track").addEventListener("click", async () => {
    try {
      const id = await vault.track("demo-frame-1,demo-frame-2", projectId ? { projectId } : {});
      for (;;) {
        const gen = await vault.generation(id);
        $("generation").textContent = `Generation ${id}: ${gen.status}, ${gen.progress}%`;
        $("generation").dataset.status = gen.status;
        if (gen.status === "completed" || gen.status === "error") break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } catch (err) {
      $("generation").textContent = `Could not track: ${err.message}`;
    }
  });
}

main();
