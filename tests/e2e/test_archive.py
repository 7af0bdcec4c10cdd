"""Project archives in the page: export, check with real zip tools, import back; hostile zips refused."""

import base64
import io
import json
import random
import subprocess
import sys
import zipfile

import pytest
from playwright.sync_api import expect

from tests.e2e.server import ROOT
from tests.e2e.vault_page import VaultPage, page_errors, sha256
from tests.media import data_url, image_bytes, wav_bytes

EXPORT = """async (pid) => {
  const blob = await window.assetVault.exportProject(pid);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 32768) text += String.fromCharCode(...bytes.subarray(i, i + 32768));
  return [blob.type, btoa(text)];
}"""

IMPORT = """async ([b64, name]) => {
  const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
  const file = new File([bytes], name, {type: "application/zip"});
  try { return await window.assetVault.importArchive(file); }
  catch (e) { return {error: {name: e.name, message: e.message}}; }
}"""


def export(vault, pid) -> bytes:
    mime, b64 = vault.page.evaluate(EXPORT, pid)
    assert mime == "application/zip"
    return base64.b64decode(b64)


def import_archive(vault, data: bytes, name: str = "archive.zip"):
    return vault.page.evaluate(IMPORT, [base64.b64encode(data).decode(), name])


def everything(vault) -> dict:
    """Every project and asset record, and each Blob's digest: the whole store, compared whole."""
    projects = vault.call("listProjects")
    assets = {m["ref"]: m for p in projects for m in vault.call("listAssets", p["id"])}
    return {"projects": projects, "assets": assets, "bytes": {r: vault.blob_sha256(r) for r in assets}}


def unzip_t(tmp_path, data: bytes) -> str:
    path = tmp_path / "check.zip"
    path.write_bytes(data)
    done = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True)
    assert done.returncode == 0 and "No errors detected" in done.stdout, done.stdout + done.stderr
    return done.stdout


def test_export_delete_import_restores_every_byte_field_and_param(vault, tmp_path):
    pid = vault.call("createProject", {"title": "Round trip", "prompt": "dawn over water", "frameCount": 3})
    frames = [image_bytes("PNG", (160, 120), seed=i, noise=True) for i in range(3)]
    for i, frame in enumerate(frames):
        vault.call("saveDataUrl", pid, data_url(frame, "image/png"),
                   {"role": "frame", "name": f"frame {i}.png", "params": {"seed": 40 + i, "model": "m-2"}})
    vault.save_bytes(pid, wav_bytes(0.3), "audio/wav", {"role": "tts", "params": {"voice": "ada"}})
    vault.wait_thumbnails(pid, 3)
    before = everything(vault)
    data = export(vault, pid)
    assert "OK" in unzip_t(tmp_path, data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None and z.namelist()[0] == "manifest.json"
        manifest = json.loads(z.read("manifest.json"))
        paths = {a["path"] for a in manifest["assets"]}
        assert {"images/frame 0.png", "thumbnails/frame 0.thumb.jpg"} <= paths
        assert sum(p.startswith("audio/") for p in paths) == 1
        assert z.read("images/frame 1.png") == frames[1]
    # The command-line check decodes every image, the browser-made JPEG previews included.
    (tmp_path / "export.zip").write_bytes(data)
    done = subprocess.run([sys.executable, "-m", "tools.archive", "verify", str(tmp_path / "export.zip")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and "7 assets, every CRC-32 verified, 6 images decoded" in done.stdout, done
    vault.call("deleteProject", pid)
    assert vault.call("listProjects") == []
    result = import_archive(vault, data)
    assert result == {"projectId": pid, "assets": 7, "skipped": []}
    assert everything(vault) == before


def test_an_export_of_hundreds_of_assets_holds_each_one_byte_for_byte(vault, tmp_path):
    """Past the groups of Blobs the archive is built in (static/blob-join.js), in every browser."""
    pid = vault.call("createProject", {"title": "Many"})
    sounds = [wav_bytes(0.01 + i / 8000) for i in range(230)]  # each its own length
    refs = vault.save_blobs([(pid, data, "audio/wav") for data in sounds])
    data = export(vault, pid)
    unzip_t(tmp_path, data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None and len(z.namelist()) == 231
        path = {a["ref"]: a["path"] for a in json.loads(z.read("manifest.json"))["assets"]}
        assert [z.read(path[ref]) for ref in refs] == sounds


@pytest.mark.chromium_only("Playwright's download event is not given over WebDriver BiDi")
def test_the_page_exports_a_download_and_imports_a_plain_info_zip_archive(vault, tmp_path):
    folder = tmp_path / "shots"
    folder.mkdir()
    frames = {f"{i:03}.png": image_bytes("PNG", (120, 90), seed=10 + i) for i in range(3)}
    for name, frame in frames.items():
        (folder / name).write_bytes(frame)
    (folder / "notes.txt").write_text("take two")
    subprocess.run(["zip", "-q", "-r", "shots.zip", "shots"], cwd=tmp_path, check=True)
    vault.page.set_input_files("#import-input", str(tmp_path / "shots.zip"))
    expect(vault.notice("warn")).to_contain_text("Imported 3 files from shots.zip. Skipped: shots/notes.txt")
    expect(vault.page.locator(".asset-card")).to_have_count(3)
    expect(vault.page.locator("h1")).to_have_text("shots")
    pid = vault.page.evaluate("() => decodeURIComponent(location.hash.split('/')[2])")
    stored = {m["name"]: vault.blob_sha256(m["ref"]) for m in vault.call("listAssets", pid) if m["role"] != "thumbnail"}
    assert stored == {name: sha256(frame) for name, frame in frames.items()}
    # Export from the page: a download named after the project and the date.
    with vault.page.expect_download() as download:
        vault.page.click("#export-project")
    name = download.value.suggested_filename
    assert name.startswith("shots-") and name.endswith(".zip")
    path = tmp_path / "download.zip"
    download.value.save_as(path)
    assert "No errors detected" in unzip_t(tmp_path, path.read_bytes())


def hostile_archives() -> dict:
    def z(entries, method=zipfile.ZIP_STORED, **info):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as out:
            for name, data in entries:
                zi = zipfile.ZipInfo(name)
                zi.compress_type = method
                for k, v in info.items():
                    setattr(zi, k, v)
                out.writestr(zi, data)
        return buf.getvalue()

    png = image_bytes("PNG", (40, 30), seed=3)
    good = z([("a.png", png), ("b.png", png[::-1])])
    flipped = bytearray(good)
    flipped[good.index(png) + 30] ^= 0xFF
    encrypted = bytearray(good)
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = good.find(sig)
        while pos >= 0:
            encrypted[pos + at] |= 1
            pos = good.find(sig, pos + 4)
    newer = z([("manifest.json", json.dumps({"format": "offline-asset-vault", "version": 99}).encode()),
               ("images/a.png", png)])
    return {
        "../x": (z([("../x.png", png)]), "'..'"),
        "/abs": (z([("/abs.png", png)]), "absolute path"),
        "..\\x": (z([("..\\x.png", png)]), "backslash"),
        "deflate bomb": (z([("bomb.png", bytes(10 * 1024 * 1024))], zipfile.ZIP_DEFLATED), "100:1 limit"),
        "flipped CRC": (bytes(flipped), "CRC-32 mismatch"),
        "truncated": (good[: len(good) * 2 // 3], "truncated"),
        "random bytes": (random.Random(7).randbytes(20_000), "not a zip archive"),
        "empty": (b"", "empty"),
        "duplicate names": (z([("a.png", png), ("A.PNG", png)]), "appears twice"),
        "symlink": (z([("link.png", b"/etc/passwd")], create_system=3, external_attr=0o120777 << 16), "symbolic link"),
        "encrypted": (bytes(encrypted), "encrypted"),
        "unknown manifest version": (newer, "format version 99; this vault reads version 1"),
    }


@pytest.mark.bridge
@pytest.mark.parametrize("case", list(hostile_archives()))
def test_hostile_archives_are_refused_and_change_nothing(vault, case):
    data, reason = hostile_archives()[case]
    pid = vault.call("createProject", {"title": "Keep me"})
    vault.call("saveDataUrl", pid, data_url(image_bytes("PNG", (60, 40), seed=1), "image/png"))
    vault.wait_thumbnails(pid, 1)
    before = everything(vault)
    result = import_archive(vault, data, f"{case}.zip")
    assert result["error"]["name"] == "InvalidArchiveError", result
    assert reason in result["error"]["message"], result
    assert everything(vault) == before


def test_a_refused_import_is_explained_in_the_page(vault, tmp_path):
    path = tmp_path / "evil.zip"
    path.write_bytes(hostile_archives()["../x"][0])
    vault.page.set_input_files("#import-input", str(path))
    expect(vault.notice("error")).to_contain_text("'../x.png': the name contains a '..'")
    assert vault.call("listProjects") == []


EXPORT_THEN_IMPORT = """async (pid) => {
  const zip = await window.assetVault.exportProject(pid);
  return await window.assetVault.importArchive(zip);
}"""


def test_in_a_profile_on_disk_an_export_imports_at_once_and_survives_a_restart(browser_type,
                                                                               browser_type_launch_args,
                                                                               server, tmp_path):
    """Playwright's usual context keeps IndexedDB in memory; a user's browser keeps it on disk,
    where stored Blobs come back as file references. Save, export and import with no pause between,
    then close the browser and open the same profile again."""
    waves = [wav_bytes(0.05 + i / 200) for i in range(16)]

    def open_profile():
        context = browser_type.launch_persistent_context(tmp_path / "profile", **browser_type_launch_args)
        page = context.pages[0] if context.pages else context.new_page()
        errors = page_errors(page)
        return context, VaultPage(page, server.url).open(), errors

    context, vault, errors = open_profile()
    pid = vault.call("createProject", {"title": "On disk"})
    refs = vault.save_blobs([(pid, w, "audio/wav") for w in waves])
    result = vault.page.evaluate(EXPORT_THEN_IMPORT, pid)
    assert result["assets"] == 16 and result["projectId"] != pid and result["skipped"] == []
    assert errors == []
    context.close()

    context, vault, errors = open_profile()
    digests = {m["name"]: vault.blob_sha256(m["ref"]) for m in vault.call("listAssets", result["projectId"])}
    originals = {m["name"]: vault.blob_sha256(m["ref"]) for m in vault.call("listAssets", pid)}
    assert sorted(originals.values()) == sorted(sha256(w) for w in waves)
    assert digests == originals and len(refs) == 16
    assert errors == []
    context.close()
