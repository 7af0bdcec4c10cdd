"""A database written by an earlier version of the vault is upgraded in place, nothing lost."""

import zlib

import pytest

from tests.e2e.vault_page import VaultPage, sha256
from tests.media import image_bytes, wav_bytes

# A database as an earlier version of the vault left it: its version, stores and indexes, and data.
OLD_DATABASE = """async ([version, stores, indexes, project, assets]) => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open("asset-vault", version);
    open.onupgradeneeded = () => {
      const d = open.result;
      for (const [name, keyPath] of stores) d.createObjectStore(name, keyPath ? {keyPath} : {});
      for (const [name, keyPath] of indexes) open.transaction.objectStore("assets").createIndex(name, keyPath);
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const tx = db.transaction(["projects", "assets", "blobs"], "readwrite");
  tx.objectStore("projects").put(project);
  for (const [meta, b64] of assets) {
    tx.objectStore("assets").put(meta);
    tx.objectStore("blobs").put(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], {type: meta.mime}), meta.ref);
  }
  await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
  db.close();
}"""
V1_STORES = [["projects", "id"], ["assets", "ref"], ["blobs", None]]
V1_INDEXES = [["byProject", ["projectId", "createdAt"]], ["byProjectKind", ["projectId", "kind", "createdAt"]]]
V4_STORES = V1_STORES + [["settings", None]]
V4_INDEXES = V1_INDEXES + [["byPending", "pending"], ["byBackup", "backup"]]


PENDING_MARKS = """async () => {
  const db = await new Promise((resolve) => { const open = indexedDB.open("asset-vault"); open.onsuccess = () => resolve(open.result); });
  const count = await new Promise((resolve) => {
    const request = db.transaction("assets").objectStore("assets").index("byPending").count();
    request.onsuccess = () => resolve(request.result);
  });
  db.close();
  return count;
}"""


@pytest.mark.bridge
def test_a_version_1_database_gets_project_counters_and_keeps_every_byte(page, server):
    import base64
    png, wav = image_bytes("PNG", (50, 40), seed=5), wav_bytes(0.1)
    project = {"id": "p_old", "title": "From v1", "prompt": "", "style": "", "mood": "", "durationSec": None,
               "frameCount": None, "status": "active", "createdAt": 1_700_000_000_000, "updatedAt": 1_700_000_000_000}

    def meta(ref, data, kind, mime, at):
        return {"ref": ref, "projectId": "p_old", "kind": kind, "role": kind, "name": f"{ref}.bin", "mime": mime,
                "size": len(data), "crc32": None, "createdAt": at, "params": {}, "thumbnailRef": None}

    assets = [[meta("a_png", png, "image", "image/png", 1_700_000_000_001), base64.b64encode(png).decode()],
              [meta("a_wav", wav, "audio", "audio/wav", 1_700_000_000_002), base64.b64encode(wav).decode()]]
    page.goto(server.url + "static/icon.svg")  # the origin, before the vault ever ran there
    page.evaluate(OLD_DATABASE, [1, V1_STORES, V1_INDEXES, project, assets])
    vault = VaultPage(page, server.url).open()
    [summary] = vault.call("listProjects")
    # The frame's preview may have landed already (it did in Firefox): the bytes then hold it.
    preview = vault.call("getMeta", "a_png")["thumbnailRef"] if summary["bytes"] > len(png) + len(wav) else None
    extra = vault.call("getMeta", preview)["size"] if preview else 0
    assert (summary["id"], summary["assetCount"], summary["bytes"]) == ("p_old", 2, len(png) + len(wav) + extra)
    assert vault.blob_sha256("a_png") == sha256(png) and vault.blob_sha256("a_wav") == sha256(wav)
    # The old records were owed their checksums and the frame its preview: marked in the
    # upgrade, done after it, unmarked when done.
    vault.wait_thumbnails("p_old", 1)
    for _ in range(100):
        metas = {m["ref"]: m for m in vault.call("listAssets", "p_old")}
        if all(m["crc32"] is not None for m in metas.values()) and vault.page.evaluate(PENDING_MARKS) == 0:
            break
        vault.page.wait_for_timeout(100)
    assert metas["a_png"]["crc32"] == zlib.crc32(png) and metas["a_wav"]["crc32"] == zlib.crc32(wav)
    assert vault.page.evaluate(PENDING_MARKS) == 0
    preview = metas["a_png"]["thumbnailRef"]
    assert (vault.call("listProjects")[0]["assetCount"], vault.call("listProjects")[0]["bytes"]) == (
        2, len(png) + len(wav) + metas[preview]["size"])  # files; the frame's preview adds bytes
    vault.call("saveDataUrl", "p_old", "data:audio/wav;base64," + base64.b64encode(wav).decode())
    assert vault.call("listProjects")[0]["assetCount"] == 3


@pytest.mark.bridge
def test_a_version_4_database_counts_files_not_their_previews(page, server):
    import base64
    frames = [image_bytes("PNG", (50, 40), seed=s) for s in (1, 2)]
    thumbs = [image_bytes("JPEG", (20, 16), seed=s) for s in (1, 2)]
    at = 1_700_000_000_000

    def meta(n, ref, data, role, mime, params, thumb):
        return {"ref": ref, "projectId": "p_v4", "kind": "image", "role": role, "name": f"{ref}.bin", "mime": mime,
                "size": len(data), "crc32": zlib.crc32(data), "createdAt": at + n, "params": params,
                "thumbnailRef": thumb}

    assets = [meta(1, "a_f1", frames[0], "frame", "image/png", {}, "a_t1"),
              meta(2, "a_f2", frames[1], "frame", "image/png", {}, "a_t2"),
              meta(3, "a_t1", thumbs[0], "thumbnail", "image/jpeg", {"thumbnailOf": "a_f1"}, None),
              meta(4, "a_t2", thumbs[1], "thumbnail", "image/jpeg", {"thumbnailOf": "a_f2"}, None)]
    total = sum(len(b) for b in frames + thumbs)
    project = {"id": "p_v4", "title": "From v4", "prompt": "", "style": "", "mood": "", "durationSec": None,
               "frameCount": None, "status": "active", "createdAt": at, "updatedAt": at,
               "assetCount": 4, "bytes": total}
    page.goto(server.url + "static/icon.svg")
    stored = [[m, base64.b64encode(d).decode()] for m, d in zip(assets, frames + thumbs)]
    page.evaluate(OLD_DATABASE, [4, V4_STORES, V4_INDEXES, project, stored])  # counters: previews counted
    vault = VaultPage(page, server.url).open()
    [summary] = vault.call("listProjects")
    assert (summary["assetCount"], summary["bytes"]) == (2, total)
    assert sorted(m["ref"] for m in vault.call("listAssets", "p_v4")) == ["a_f1", "a_f2", "a_t1", "a_t2"]
