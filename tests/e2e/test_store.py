"""The store through the bridge and the page, in real Chromium with real IndexedDB."""

import base64
import json
import re
import zlib

import pytest
from playwright.sync_api import expect

from tests.e2e.vault_page import sha256
from tests.media import data_url, image_bytes, wav_bytes


@pytest.mark.bridge
def test_twenty_frames_survive_a_reload_byte_for_byte(vault):
    pid = vault.call("createProject", {"title": "Twenty frames", "frameCount": 20})
    frames = [image_bytes("PNG", (320, 240), seed=i, noise=True) for i in range(20)]
    refs = [vault.call("saveDataUrl", pid, data_url(f, "image/png"),
                       {"role": "frame", "params": {"frameNumber": i, "seed": 100 + i}})
            for i, f in enumerate(frames)]
    assert all(isinstance(r, str) for r in refs), refs
    vault.reload()
    for i, (ref, frame) in enumerate(zip(refs, frames)):
        assert vault.blob_sha256(ref) == sha256(frame)
        meta = vault.call("getMeta", ref)
        assert meta["params"] == {"frameNumber": i, "seed": 100 + i} and meta["size"] == len(frame)
    listed = [m["ref"] for m in vault.call("listAssets", pid) if m["role"] == "frame"]
    assert listed == refs
    assert vault.local_storage_bytes() < 16 * 1024


@pytest.mark.bridge
def test_bad_inputs_are_invalid_input_errors_and_store_nothing(vault):
    pid = vault.call("createProject", {"title": "Bad inputs"})
    good = vault.call("saveDataUrl", pid, data_url(image_bytes(), "image/png"))
    cases = [
        vault.call("saveDataUrl", pid, "data:image/png;base64,!!!notbase64"),
        vault.call("saveDataUrl", pid, "hello"),
        vault.call("saveDataUrl", pid, data_url(b"just some text", "text/plain")),
        vault.call("saveDataUrl", pid, data_url(image_bytes("PNG"), "image/jpeg")),
        vault.save_bytes(pid, b"%PDF-1.7 not media", "image/png"),
        vault.save_bytes(pid, image_bytes("PNG"), "", {"kind": "audio"}),
        vault.save_bytes(pid, image_bytes("PNG"), "", {"params": "seed=1"}),
        vault.call("createProject", {"title": ""}),
        vault.call("getMeta", "../../etc"),
    ]
    for result in cases:
        assert result["error"]["name"] == "InvalidInputError", result
        assert result["error"]["isError"] is True and result["error"]["message"]
    missing = vault.call("saveDataUrl", "p_missing", data_url(image_bytes(), "image/png"))
    assert missing["error"]["name"] == "NotFoundError"
    assert [m["ref"] for m in vault.call("listAssets", pid) if m["role"] != "thumbnail"] == [good]
    assert vault.call("getMeta", "a_doesnotexist") is None and vault.call("getBlob", "a_doesnotexist") is None


@pytest.mark.bridge
def test_a_burst_of_saves_succeeds_or_fails_save_by_save(vault):
    # Saves issued together share one IndexedDB transaction; each must still stand alone.
    one = vault.call("createProject", {"title": "One"})
    two = vault.call("createProject", {"title": "Two"})
    frames = [image_bytes("PNG", (64, 48), seed=20 + i) for i in range(4)]
    results = vault.calls(
        ("saveDataUrl", one, data_url(frames[0], "image/png")),
        ("saveDataUrl", "p_gone", data_url(frames[1], "image/png")),
        ("saveDataUrl", two, data_url(frames[2], "image/png")),
        ("saveDataUrl", one, "data:image/png;base64,@@"),
        ("saveDataUrl", one, data_url(frames[3], "image/png")),
        ("deleteProject", two),
    )
    assert results[1]["error"]["name"] == "NotFoundError" and results[3]["error"]["name"] == "InvalidInputError"
    assert [m["ref"] for m in vault.call("listAssets", one) if m["role"] != "thumbnail"] == [results[0], results[4]]
    assert vault.blob_sha256(results[4]) == sha256(frames[3])
    # A save racing its project's deletion either went with the project or was refused: never
    # an asset left behind in a project that no longer exists.
    if isinstance(results[2], str):
        assert results[5] == {"assetsDeleted": 1, "bytesFreed": len(frames[2])}
        assert vault.call("getMeta", results[2]) is None
    else:
        assert results[2]["error"]["name"] == "NotFoundError" and results[5]["assetsDeleted"] == 0
    assert [p["id"] for p in vault.call("listProjects")] == [one]


@pytest.mark.bridge
def test_blobs_of_a_burst_that_turn_out_bad_are_not_left_behind(vault):
    # A Blob's write starts before its type is known; a refused one must leave no bytes behind.
    pid = vault.call("createProject", {"title": "Blobs"})
    frames = [image_bytes("PNG", (80, 60), seed=40 + i) for i in range(3)]
    before = vault.stored_keys()
    results = vault.save_blobs([
        (pid, frames[0], "image/png"),
        (pid, b"%PDF-1.7 not media at all", "image/png"),
        ("p_gone", frames[1], "image/png"),
        (pid, wav_bytes(0.1), "audio/wav"),
        (pid, frames[2], "image/jpeg"),  # claimed JPEG, bytes say PNG
    ])
    assert [r["error"]["name"] if isinstance(r, dict) else "ok" for r in results] == \
        ["ok", "InvalidInputError", "NotFoundError", "ok", "InvalidInputError"]
    vault.wait_thumbnails(pid, 1)  # the image's preview is stored too; then the stores are still
    keys = vault.stored_keys()
    assert sorted(keys["blobs"]) == sorted(keys["assets"])
    media = [m["ref"] for m in vault.call("listAssets", pid) if m["role"] != "thumbnail"]
    assert media == [results[0], results[3]] and set(media) <= set(keys["blobs"]) - set(before["blobs"])
    assert vault.blob_sha256(results[0]) == sha256(frames[0])


def test_a_bad_paste_is_explained_in_the_page(vault):
    pid = vault.call("createProject", {"title": "Paste"})
    vault.open(f"#/project/{pid}")
    vault.page.fill("#dataurl-input", "data:image/png;base64,@@@@")
    vault.page.click("#dataurl-save")
    expect(vault.notice("error")).to_contain_text("base64 is corrupt")
    vault.page.fill("#dataurl-input", data_url(image_bytes("PNG", seed=9), "image/png"))
    vault.page.click("#dataurl-save")
    expect(vault.page.locator(".asset-card")).to_have_count(1)


def test_picker_adds_show_progress_and_thumbnails(vault, tmp_path):
    pid = vault.call("createProject", {"title": "Picker"})
    vault.open(f"#/project/{pid}")
    paths = []
    for i in range(3):
        path = tmp_path / f"shot-{i}.png"
        path.write_bytes(image_bytes("PNG", (800, 600), seed=i, noise=True))
        paths.append(path)
    wav = tmp_path / "voice.wav"
    wav.write_bytes(wav_bytes(0.5))
    vault.page.set_input_files("#file-input", [str(p) for p in paths] + [str(wav)])
    expect(vault.notice("info")).to_contain_text("Added 4 of 4 files.")
    vault.wait_thumbnails(pid, 3)
    cards = vault.page.locator(".asset-card[data-kind=image] img[data-preview=thumbnail]")
    expect(cards).to_have_count(3)  # the grid redraws with the previews once they are stored
    # The grid shows the JPEG previews, decoded and at most 320 px wide.
    for i in range(3):
        expect(cards.nth(i)).to_have_js_property("complete", True)
        assert 0 < cards.nth(i).evaluate("img => img.naturalWidth") <= 320
    expect(vault.page.locator(".asset-card[data-kind=audio] audio")).to_have_count(1)
    names = [m["name"] for m in vault.call("listAssets", pid) if m["role"] != "thumbnail"]
    assert names == ["shot-0.png", "shot-1.png", "shot-2.png", "voice.wav"]


def test_drag_and_drop_adds_files(vault):
    pid = vault.call("createProject", {"title": "Drop"})
    vault.open(f"#/project/{pid}")
    png = image_bytes("PNG", (200, 100), seed=4)
    transfer = vault.page.evaluate_handle(
        """([b64]) => {
             const dt = new DataTransfer();
             const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
             dt.items.add(new File([bytes], "dropped.png", {type: "image/png"}));
             dt.items.add(new File(["not media"], "notes.txt", {type: "text/plain"}));
             return dt;
           }""", [__import__("base64").b64encode(png).decode()])
    vault.page.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})
    expect(vault.page.locator(".asset-card")).to_have_count(1)
    expect(vault.notice("error")).to_contain_text("notes.txt")
    [meta] = [m for m in vault.call("listAssets", pid) if m["role"] != "thumbnail"]
    assert meta["name"] == "dropped.png" and vault.blob_sha256(meta["ref"]) == sha256(png)


def test_delete_project_frees_its_assets(vault):
    keep = vault.call("createProject", {"title": "Keep"})
    drop = vault.call("createProject", {"title": "Drop me"})
    kept = vault.call("saveDataUrl", keep, data_url(image_bytes(seed=1), "image/png"))
    dropped = [vault.call("saveDataUrl", drop, data_url(image_bytes(seed=2 + i), "image/png")) for i in range(3)]
    vault.wait_thumbnails(drop, 3)
    # Files are counted alike everywhere: not their previews (the list once said 6 here).
    vault.open("#/")
    expect(vault.page.locator(".project-card", has_text="Drop me")).to_contain_text("3 files ·")
    vault.open(f"#/project/{drop}")
    expect(vault.page.locator("#project-summary")).to_contain_text("3 files")
    vault.page.click("#delete-project")
    expect(vault.page.locator("#delete-project")).to_contain_text("Really delete it and its 3 files?")
    vault.page.click("#delete-project")
    expect(vault.notice("info")).to_contain_text("Deleted the project: 3 files")
    expect(vault.page.locator(".project-card")).to_have_count(1)
    assert [p["id"] for p in vault.call("listProjects")] == [keep]
    assert all(vault.call("getBlob", r) is None and vault.call("getMeta", r) is None for r in dropped)
    assert vault.blob_sha256(kept) == sha256(image_bytes(seed=1))
    assert vault.call("deleteProject", drop)["error"]["name"] == "NotFoundError"


def test_a_missing_blob_shows_a_placeholder_with_its_params(vault):
    pid = vault.call("createProject", {"title": "Evicted"})
    ref = vault.call("saveDataUrl", pid, data_url(image_bytes(seed=2), "image/png"),
                     {"params": {"prompt": "a red fox at dawn", "seed": 42}})
    vault.delete_stored_blob(ref)
    vault.open(f"#/project/{pid}")
    card = vault.page.locator(f".asset-card[data-ref='{ref}']")
    expect(card).to_have_attribute("data-missing", "true")
    expect(card.locator(".missing")).to_contain_text("prompt: a red fox at dawn · seed: 42")


def test_delete_asset_through_the_page(vault):
    pid = vault.call("createProject", {"title": "One"})
    ref = vault.call("saveDataUrl", pid, data_url(image_bytes(seed=5), "image/png"))
    vault.wait_thumbnails(pid, 1)
    thumb = vault.call("getMeta", ref)["thumbnailRef"]
    vault.open(f"#/project/{pid}")
    vault.page.locator(f".asset-card[data-ref='{ref}'] button.danger").click()
    expect(vault.page.locator(".asset-card")).to_have_count(0)
    assert vault.call("getMeta", ref) is not None  # kept while Undo is offered
    for _ in range(150):  # deleted once the offer ends (6 s)
        if vault.call("getMeta", ref) is None:
            break
        vault.page.wait_for_timeout(100)
    assert vault.call("getMeta", ref) is None and vault.call("getMeta", thumb) is None
    assert json.dumps(vault.call("listAssets", pid)) == "[]"


RECORD_WEBM = """async () => {
  // A real VP8/VP9 WebM, recorded by the browser from an animated canvas: red, then blue.
  const canvas = Object.assign(document.createElement("canvas"), {width: 640, height: 360});
  const g = canvas.getContext("2d");
  const recorder = new MediaRecorder(canvas.captureStream(30), {mimeType: "video/webm"});
  const parts = [];
  recorder.ondataavailable = (e) => parts.push(e.data);
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  recorder.start();
  const t0 = performance.now();
  while (performance.now() - t0 < 1200) {
    g.fillStyle = performance.now() - t0 < 300 ? "#d00" : "#00d";
    g.fillRect(0, 0, 640, 360);
    await new Promise((r) => setTimeout(r, 30));
  }
  recorder.stop();
  await stopped;
  const blob = new Blob(parts, {type: "video/webm"});
  return window.assetVault.saveBlob(window.__pid, blob, {role: "clip", name: "take.webm"});
}"""


def test_a_recorded_video_is_stored_with_a_poster_frame(vault):
    pid = vault.call("createProject", {"title": "Video"})
    vault.page.evaluate("(pid) => { window.__pid = pid; }", pid)
    ref = vault.page.evaluate(RECORD_WEBM)
    meta = vault.call("getMeta", ref)
    assert (meta["kind"], meta["mime"], meta["role"]) == ("video", "video/webm", "clip") and meta["size"] > 1000
    vault.wait_thumbnails(pid, 1)
    thumb = vault.call("getMeta", vault.call("getMeta", ref)["thumbnailRef"])
    assert (thumb["role"], thumb["mime"], thumb["params"]) == ("thumbnail", "image/jpeg", {"thumbnailOf": ref})
    # The poster is a real frame of the clip, scaled to 320 px wide: mostly blue or red pixels.
    size, rgb = vault.page.evaluate(
        """async (ref) => {
             const bitmap = await createImageBitmap(await window.assetVault.getBlob(ref));
             const c = new OffscreenCanvas(bitmap.width, bitmap.height).getContext("2d");
             c.drawImage(bitmap, 0, 0);
             const px = c.getImageData(bitmap.width >> 1, bitmap.height >> 1, 1, 1).data;
             return [[bitmap.width, bitmap.height], [px[0], px[1], px[2]]];
           }""", thumb["ref"])
    assert size == [320, 180]
    assert max(rgb[0], rgb[2]) > 150 and rgb[1] < 60, rgb
    vault.open(f"#/project/{pid}")
    player = vault.page.locator(f".asset-card[data-ref='{ref}'] video")
    expect(player).to_have_attribute("poster", re.compile(r"^blob:"))
    # Its bytes load when it is played (preload "none": Firefox keeps to that, Chromium not always).
    played = player.evaluate("""(video) => new Promise((resolve, reject) => {
        video.muted = true;
        video.addEventListener("timeupdate", () => resolve(video.currentTime), {once: true});
        video.addEventListener("error", () => reject(new Error(String(video.error?.message))), {once: true});
        video.play().catch(reject);
      })""")
    assert played >= 0
    expect(player).to_have_js_property("readyState", 4, timeout=10_000)


@pytest.mark.bridge
def test_saves_awaited_in_turn_and_made_in_one_burst_all_land_whole(vault):
    # A save made while none is written begins its transaction at once; saves made meanwhile
    # go together in the next ones (64 at most each): each must land with its own bytes and
    # metadata either way.
    pid = vault.call("createProject", {"title": "Turns and bursts"})
    frames = [image_bytes("PNG", (48, 32), seed=300 + i) for i in range(160)]
    refs = vault.page.evaluate(
        """async ([pid, b64s]) => {
             const blobs = b64s.map((b) => new Blob([Uint8Array.from(atob(b), c => c.charCodeAt(0))], {type: "image/png"}));
             const refs = [];
             for (const blob of blobs.slice(0, 10)) {  // awaited in turn, each then read back at once
               const ref = await window.assetVault.saveBlob(pid, blob);
               const meta = await window.assetVault.getMeta(ref);
               refs.push([ref, meta.crc32]);
             }
             const burst = await Promise.all(blobs.slice(10).map((b) => window.assetVault.saveBlob(pid, b)));
             for (const ref of burst) refs.push([ref, (await window.assetVault.getMeta(ref)).crc32]);
             return refs;
           }""", [pid, [base64.b64encode(f).decode() for f in frames]])
    # A frame is read whole to tell its type, so its CRC-32 is there when its save resolves.
    assert [crc for _, crc in refs] == [zlib.crc32(f) for f in frames]
    for (ref, _), frame in zip(refs, frames):
        assert vault.blob_sha256(ref) == sha256(frame)
    listed = [m["ref"] for m in vault.call("listAssets", pid) if m["role"] != "thumbnail"]
    assert sorted(listed) == sorted(ref for ref, _ in refs)
    # The project's counters, kept in the saves' transactions, agree with what is stored.
    vault.wait_thumbnails(pid, 160)
    everything = vault.call("listAssets", pid)
    project = next(p for p in vault.call("listProjects") if p["id"] == pid)
    files = [m for m in everything if m["role"] != "thumbnail"]
    assert (project["assetCount"], project["bytes"]) == (len(files), sum(m["size"] for m in everything))


def test_the_usage_bar_says_how_much_is_stored_of_what_the_browser_allows(vault):
    info = vault.call("usage")
    assert isinstance(info["usage"], int) and info["quota"] > 0 and isinstance(info["persisted"], bool), info
    expect(vault.page.locator("#usage .usage-text")).to_have_text(re.compile(r"^[\d.]+ (B|KB|MB|GB) of [\d.]+ (MB|GB|TB) used$"))
    expect(vault.page.locator("#usage progress")).to_have_attribute("aria-label", "Storage used")
