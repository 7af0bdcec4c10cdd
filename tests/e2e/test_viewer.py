"""The viewer (#/asset/<ref>): one asset full size with what it is and its params; the arrow keys
step through the project in the grid's order, Escape goes back to the card; deep links reload."""

import base64

from playwright.sync_api import expect

from tests.e2e.vault_page import VaultPage, sha256
from tests.media import data_url, image_bytes, wav_bytes

SIZES = [(320, 200), (640, 360), (96, 96)]


def seeded(vault: VaultPage):
    pid = vault.call("createProject", {"title": "Viewer"})
    refs = [vault.call("saveDataUrl", pid, data_url(image_bytes("PNG", size, seed=i), "image/png"),
                       {"role": "frame", "name": f"frame {i}.png",
                        "params": {"prompt": f"dawn over water, take {i}", "frameNumber": i, "model": {"name": "m-2"}}})
            for i, size in enumerate(SIZES)]
    refs.append(vault.save_bytes(pid, wav_bytes(0.5), "audio/wav", {"role": "tts", "params": {"voice": "ada"}}))
    vault.wait_thumbnails(pid, 3)
    return pid, refs


def facts(page) -> dict:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(".facts dt")]
        .map((dt) => [dt.textContent, dt.nextElementSibling.textContent]))""")


def params(page) -> dict:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll("#viewer-params tr")]
        .map((tr) => [tr.querySelector("th").textContent, tr.querySelector("td").textContent]))""")


def host_asked(page) -> list:
    """What a host app listening on the page was asked to regenerate since the last look."""
    return page.evaluate("""() => {
        if (!window.asked) { window.asked = []; addEventListener("assetvault:regenerate", (e) => window.asked.push(e.detail)); }
        return window.asked.splice(0); }""")


def hash_of(page) -> str:
    return page.evaluate("() => decodeURIComponent(location.hash)")


def test_a_card_opens_full_size_and_the_keys_step_through_the_project(vault):
    pid, refs = seeded(vault)
    page = vault.page
    vault.open(f"#/project/{pid}")
    page.locator(f".asset-card[data-ref='{refs[1]}'] .preview img").click()
    assert hash_of(page) == f"#/asset/{refs[1]}"
    media = page.locator("#viewer-media")
    expect(media).to_have_class("fit")
    expect(page.locator("h1")).to_have_text("frame 1.png")
    expect(page.locator(".facts")).to_contain_text("640 × 360 px")
    shown = facts(page)
    assert shown["Type"] == "image/png" and shown["Ref"] == refs[1] and shown["Kind"] == "Image · frame"
    assert params(page) == {"prompt": "dawn over water, take 1", "frameNumber": "1", "model.name": "m-2"}
    assert media.evaluate("img => img.decode().then(() => img.naturalWidth)") == 640

    page.click("#viewer-size")
    expect(media).not_to_have_class("fit")
    expect(page.locator("#viewer-size")).to_have_text("Fit to window")

    page.keyboard.press("ArrowRight")
    expect(page.locator("h1")).to_have_text("frame 2.png")
    page.keyboard.press("ArrowRight")  # the audio, with its player
    expect(page.locator("audio#viewer-media")).to_have_count(1)
    assert params(page) == {"voice": "ada"}
    expect(page.locator("#viewer-next")).to_have_attribute("aria-disabled", "true")
    for name in ("frame 2.png", "frame 1.png", "frame 0.png"):
        page.keyboard.press("ArrowLeft")
        expect(page.locator("h1")).to_have_text(name)
    page.keyboard.press("ArrowLeft")  # the first: nowhere further
    page.wait_for_timeout(300)
    assert hash_of(page) == f"#/asset/{refs[0]}"

    page.keyboard.press("Escape")
    assert hash_of(page) == f"#/project/{pid}"
    card = page.locator(f".asset-card[data-ref='{refs[0]}']")
    expect(card).to_be_focused()
    page.keyboard.press("ArrowRight")  # the grid's own keys go on from there
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("frame 1.png")


def test_a_deep_link_reloads_and_a_missing_or_unknown_asset_says_so(vault):
    pid, refs = seeded(vault)
    page = vault.page
    vault.open(f"#/asset/{refs[2]}")
    vault.reload()
    expect(page.locator("h1")).to_have_text("frame 2.png")
    expect(page.locator("#viewer-prev")).to_have_attribute("href", f"#/asset/{refs[1]}")

    vault.delete_stored_blob(refs[2])
    vault.reload()
    host_asked(page)  # a host app starts listening
    expect(page.locator("#viewer-missing")).to_contain_text("File missing")
    assert params(page)["prompt"] == "dawn over water, take 2"  # what it takes to make it again
    # "Regenerate" asks the host app on the page, with what made the file; from the grid too.
    wanted = {"ref": refs[2], "projectId": pid,
              "params": {"prompt": "dawn over water, take 2", "frameNumber": 2, "model": {"name": "m-2"}}}
    page.click("#viewer-regenerate")
    expect(vault.notice("info")).to_contain_text("Asked for frame 2.png to be made again")
    assert host_asked(page) == [wanted]
    vault.open(f"#/project/{pid}")
    card = page.locator(f".asset-card[data-ref='{refs[2]}']")
    expect(card).to_have_attribute("data-missing", "true")
    host_asked(page)
    card.locator("[data-action=regenerate]").click()
    assert host_asked(page) == [wanted]

    vault.open("#/asset/a_nothing_here")
    expect(page.locator("h1")).to_have_text("File not found")
    assert "Traceback" not in page.inner_text("body")


def test_a_host_answers_regenerate_with_replace_blob_and_every_kept_ref_stays_valid(vault):
    pid, refs = seeded(vault)
    page = vault.page
    vault.delete_stored_blob(refs[1])
    made = image_bytes("JPEG", (200, 120), seed=42)
    # A generator app on the page: it makes the file again and stores it under the same ref.
    page.evaluate("""(b64) => addEventListener("assetvault:regenerate", async (e) => {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        window.replaced = await window.assetVault.replaceBlob(e.detail.ref, new Blob([bytes]));
    })""", base64.b64encode(made).decode())
    vault.open(f"#/project/{pid}")
    card = page.locator(f".asset-card[data-ref='{refs[1]}']")
    expect(card.locator(".actions button")).to_have_text(["Regenerate", "Replace with a file…", "Copy ref", "Delete"])
    card.locator("[data-action=regenerate]").click()
    expect(card.locator(".preview img")).to_have_attribute("data-preview", "thumbnail")  # its new preview
    replaced = page.evaluate("window.replaced")
    assert (replaced["ref"], replaced["mime"], replaced["size"], replaced["rev"]) == (refs[1], "image/jpeg", len(made), 1)
    assert vault.blob_sha256(refs[1]) == sha256(made)
    thumb = vault.call("getMeta", replaced["ref"])["thumbnailRef"]
    preview = page.evaluate("""async (ref) => { const b = await window.assetVault.getBlob(ref);
        const bitmap = await createImageBitmap(b); return [bitmap.width, bitmap.height]; }""", thumb)
    assert preview[0] / preview[1] == 200 / 120  # of the new 200×120 image, not the old 640×360 one
    # Only media of the asset's kind, never a preview; the bytes stay as they are.
    failed = page.evaluate("""async ([ref, thumb, wav]) => {
        const audio = Uint8Array.from(atob(wav), c => c.charCodeAt(0));
        const tries = [[ref, new Blob([audio])], [ref, new Blob(["%PDF-1.7"])], [thumb, new Blob(["x"])],
                       [ref, new Blob([])], ["a_nothing_here", new Blob(["x"])]];
        const out = [];
        for (const [r, b] of tries) { try { await window.assetVault.replaceBlob(r, b); out.push("stored"); }
                                      catch (e) { out.push(e.message); } }
        return out; }""", [refs[1], thumb, base64.b64encode(wav_bytes(0.1)).decode()])
    for message, said in zip(failed, ["is audio", "not an image, video or audio", "preview", "empty", "no asset"]):
        assert said in message, failed
    assert vault.blob_sha256(refs[1]) == sha256(made)


def test_a_lost_file_is_replaced_with_a_file_the_person_picks(vault, tmp_path):
    pid, refs = seeded(vault)
    page = vault.page
    vault.delete_stored_blob(refs[0])
    vault.open(f"#/asset/{refs[0]}")
    expect(page.locator("#viewer-missing button")).to_have_text(["Regenerate", "Replace with a file…"])
    (tmp_path / "wav.wav").write_bytes(wav_bytes(0.2))
    with page.expect_file_chooser() as chooser:
        page.click("#viewer-replace")
    assert chooser.value.element.get_attribute("accept") == "image/*"
    chooser.value.set_files(str(tmp_path / "wav.wav"))
    expect(vault.notice("error")).to_contain_text("audio")  # the wrong kind: said so, nothing stored
    assert vault.blob_sha256(refs[0]) is None
    new = tmp_path / "again.png"
    new.write_bytes(image_bytes("PNG", (120, 90), seed=7))
    with page.expect_file_chooser() as chooser:
        page.click("#viewer-replace")
    chooser.value.set_files(str(new))
    expect(vault.notice("info")).to_contain_text(f"its ref stays {refs[0]}")
    expect(page.locator("#viewer-media")).to_be_visible()
    assert page.locator("#viewer-media").evaluate("img => img.decode().then(() => img.naturalWidth)") == 120
    assert vault.blob_sha256(refs[0]) == sha256(new.read_bytes())
    assert "Traceback" not in page.inner_text("body")
