"""Full storage and legacy localStorage rescue."""

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.vault_page import VaultPage, sha256
from tests.media import data_url, image_bytes


@pytest.mark.chromium_only("a small quota is set through CDP's Storage.overrideQuotaForOrigin")
def test_quota_exceeded_is_reported_and_nothing_partial_is_stored(browser, server):
    # A context of its own: with 6 MB allowed no start-up snapshot is ever made (the suite's
    # contexts come with one, 30 MB). Chromium caches an origin's quota once its database has
    # written: override it first.
    context = browser.new_context()
    try:
        page = context.new_page()
        cdp = page.context.new_cdp_session(page)
        cdp.send("Storage.overrideQuotaForOrigin", {"origin": server.origin, "quotaSize": 6 * 1024 * 1024})
        vault = VaultPage(page, server.url).open()
        pid = vault.call("createProject", {"title": "Tight"})
        small = image_bytes("PNG", (400, 300), seed=1, noise=True)
        first = vault.call("saveDataUrl", pid, data_url(small, "image/png"))
        big = image_bytes("PNG", (1600, 1200), seed=2, noise=True)  # ~5.8 MB: over what is left
        result = vault.call("saveDataUrl", pid, data_url(big, "image/png"), {"role": "frame"})
        assert result["error"]["name"] == "QuotaExceededError", result
        assert "storage is full" in result["error"]["message"].lower()
        # A burst where one save does not fit: the others are stored, each on its own.
        fits = image_bytes("PNG", (200, 150), seed=3, noise=True)
        burst = vault.calls(("saveDataUrl", pid, data_url(fits, "image/png")),
                            ("saveDataUrl", pid, data_url(big, "image/png")))
        assert isinstance(burst[0], str) and burst[1]["error"]["name"] == "QuotaExceededError", burst
        frames = [m for m in vault.call("listAssets", pid) if m["role"] != "thumbnail"]
        assert [m["ref"] for m in frames] == [first, burst[0]]
        assert vault.blob_sha256(first) == sha256(small) and vault.blob_sha256(burst[0]) == sha256(fits)
        # The page says it too, in words, when a file is added there.
        vault.open(f"#/project/{pid}")
        page.set_input_files("#file-input", files=[{"name": "big.png", "mimeType": "image/png", "buffer": big}])
        expect(vault.notice("error")).to_contain_text("big.png: Browser storage is full")
        expect(page.locator(".asset-card")).to_have_count(2)
    finally:
        context.close()


def frames_json(count: int) -> tuple[str, list[dict]]:
    frames = [{"id": f"frame-{i}", "frameNumber": i, "prompt": f"scene {i}", "timestamp": 1.5 * i,
               "imageUrl": data_url(image_bytes("PNG", (500, 500), seed=i, noise=True), "image/png")}
              for i in range(count)]
    return json.dumps(frames), frames


def test_legacy_generated_frames_are_rescued_in_place(vault):
    value, frames = frames_json(4)
    assert len(value) > 3_000_000
    vault.page.evaluate("([v]) => { localStorage.setItem('generatedFrames', v); "
                        "localStorage.setItem('userName', 'ada'); }", [value])
    assert vault.call("scanLegacy") == [{"key": "generatedFrames", "dataUrls": 4,
                                          "bytes": sum(len(f["imageUrl"]) for f in frames)}]
    vault.reload()
    panel = vault.page.locator("#legacy-panel")
    expect(panel).to_contain_text("4 base64 files")
    vault.page.click("#rescue-legacy")
    expect(vault.notice("info")).to_contain_text("Moved 4 files into a new project")
    expect(vault.page.locator(".asset-card")).to_have_count(4)
    rewritten = json.loads(vault.page.evaluate("() => localStorage.getItem('generatedFrames')"))
    assert len(json.dumps(rewritten)) < 1000
    for before, after in zip(frames, rewritten):
        assert {k: v for k, v in after.items() if k != "imageUrl"} == {k: v for k, v in before.items() if k != "imageUrl"}
        ref = after["imageUrl"].removeprefix("vault:")
        assert vault.blob_sha256(ref) == sha256(image_bytes("PNG", (500, 500), seed=before["frameNumber"], noise=True))
        assert vault.call("getMeta", ref)["params"]["prompt"] == before["prompt"]
    assert vault.page.evaluate("() => localStorage.getItem('userName')") == "ada"
    assert vault.call("scanLegacy") == []
    assert vault.local_storage_bytes() < 16 * 1024
