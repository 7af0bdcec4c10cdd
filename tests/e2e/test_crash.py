"""A renderer crash in the middle of a burst of saves: on restart every asset is whole (metadata
with its Blob), no Blob is left without metadata, and the counters match what is stored."""

import base64

import pytest

from tests.e2e.vault_page import VaultPage, sha256
from tests.media import image_bytes

# Bursts of five saves (each burst shares a transaction), one after another, not awaited here.
BURSTS = """([pid, frames]) => {
  window.__saved = [];
  (async () => {
    for (let i = 0; i < frames.length; i += 5) {
      const blobs = frames.slice(i, i + 5).map((b64) =>
        new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], {type: "image/png"}));
      window.__saved.push(...await Promise.all(blobs.map((b) => window.assetVault.saveBlob(pid, b, {role: "frame"}))));
    }
  })();
}"""

ALL_RECORDS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("asset-vault");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result, tx = db.transaction(["projects", "assets", "blobs"]), out = {};
    tx.objectStore("projects").getAll().onsuccess = (e) => { out.projects = e.target.result; };
    tx.objectStore("assets").getAll().onsuccess = (e) => { out.assets = e.target.result; };
    tx.objectStore("blobs").getAllKeys().onsuccess = (e) => { out.blobKeys = e.target.result; };
    tx.oncomplete = () => { db.close(); resolve(out); };
  };
})"""


@pytest.mark.chromium_only("the renderer is killed through CDP (chrome://crash)")
def test_a_crash_mid_burst_leaves_no_half_asset_and_no_orphan_blob(browser_type, browser_type_launch_args,
                                                                     server, tmp_path):
    frames = [image_bytes("PNG", (400, 300), seed=i, noise=True) for i in range(60)]
    by_hash = {sha256(f): f for f in frames}
    context = browser_type.launch_persistent_context(tmp_path / "profile", **browser_type_launch_args)
    try:
        page = context.pages[0] if context.pages else context.new_page()
        vault = VaultPage(page, server.url).open()
        pid = vault.call("createProject", {"title": "Crash"})
        page.evaluate(BURSTS, [pid, [base64.b64encode(f).decode() for f in frames]])
        for _ in range(3000):  # polled from here: the app's CSP blocks Playwright's string predicates
            if page.evaluate("() => window.__saved.length") >= 10:
                break
        saved_before_crash = page.evaluate("() => window.__saved")
        crashed = []
        page.on("crash", lambda _page: crashed.append(True))
        # Chromium's own crash page kills the renderer (CDP Page.crash would too, but never answers).
        context.new_cdp_session(page).send("Page.navigate", {"url": "chrome://crash"})
        for _ in range(100):
            if crashed:
                break
            try:
                page.wait_for_timeout(50)
            except Exception:
                break  # "Target crashed"
        assert crashed, "the renderer did not crash"
        after = VaultPage(context.new_page(), server.url).open()
        stored = after.page.evaluate(ALL_RECORDS)
        metas = [m for m in stored["assets"] if m["role"] == "frame"]
        assert len(saved_before_crash) <= len(metas) < len(frames), "the crash came after the last save"
        assert set(saved_before_crash) <= {m["ref"] for m in metas}  # a resolved save is durable
        assert sorted(m["ref"] for m in stored["assets"]) == sorted(stored["blobKeys"])
        for meta in metas:
            digest = after.blob_sha256(meta["ref"])
            assert digest in by_hash and meta["size"] == len(by_hash[digest])
        [project] = stored["projects"]
        assert project["assetCount"] == len([m for m in stored["assets"] if m["role"] != "thumbnail"])
        assert project["bytes"] == sum(m["size"] for m in stored["assets"])
    finally:
        context.close()
