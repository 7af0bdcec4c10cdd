"""Organising, as a person does it: renaming a file in the viewer, editing a project's fields,
picking files (clicks, shift-clicks, the keyboard) and copying their refs, exporting them, or
deleting them with a few seconds to undo."""

import base64
import io
import json
import zipfile

from playwright.sync_api import expect

from tests.e2e.vault_page import VaultPage, copied_text
from tests.media import image_bytes


def seeded(vault: VaultPage, count: int = 6):
    pid = vault.call("createProject", {"title": "Pier", "prompt": "a pier at dawn", "frameCount": count})
    refs = [vault.save_bytes(pid, image_bytes("PNG", (40, 30), seed=n), "image/png",
                             {"role": "frame", "name": f"pier-{n}.png", "params": {"frameNumber": n}})
            for n in range(count)]
    return pid, refs


def saved(page, click) -> tuple[str, bytes]:
    """The file the page hands the browser to download (name and bytes), in every engine:
    Playwright has no download event over WebDriver BiDi (Firefox). The save link's click is
    caught; test_grid and test_archive check the real download in Chromium."""
    page.evaluate("""() => { if (window.__saved) return; window.__saved = [];
        const click = HTMLAnchorElement.prototype.click;
        HTMLAnchorElement.prototype.click = function () {
          if (this.download && this.href.startsWith("blob:")) { window.__saved.push([this.download, this.href]); return; }
          return click.call(this); }; }""")
    click()
    page.wait_for_function("() => window.__saved.length > 0")
    name, b64 = page.evaluate("""async () => { const [name, url] = window.__saved.shift();
        const blob = await (await fetch(url)).blob();
        const text = await new Promise((ok) => { const r = new FileReader(); r.onload = () => ok(r.result); r.readAsDataURL(blob); });
        return [name, text.slice(text.indexOf(",") + 1)]; }""")
    return name, base64.b64decode(b64)


def shown(page) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('#assets .asset-card')].map((c) => c.dataset.ref)")


def frames_stored(vault, pid) -> list[str]:
    return [m["ref"] for m in vault.call("listAssets", pid) if m["role"] == "frame"]


def test_a_file_is_renamed_in_the_viewer_and_a_project_edited_in_place(vault):
    pid, refs = seeded(vault, 2)
    page = vault.page
    vault.open(f"#/asset/{refs[1]}")
    page.click("#viewer-rename")
    page.fill("#rename-input", "pier, final take.png")
    page.press("#rename-input", "Escape")  # changes nothing, and stays in the viewer
    expect(page.locator("h1")).to_have_text("pier-1.png")
    assert vault.call("getMeta", refs[1])["name"] == "pier-1.png" and refs[1] in page.url
    page.click("#viewer-rename")
    page.fill("#rename-input", "pier, final take.png")
    page.press("#rename-input", "Enter")
    expect(page.locator("h1")).to_have_text("pier, final take.png")
    assert vault.call("getMeta", refs[1])["name"] == "pier, final take.png"

    vault.open(f"#/project/{pid}")
    expect(page.locator(f".asset-card[data-ref='{refs[1]}'] .asset-name")).to_have_text("pier, final take.png")
    page.click("#edit-project")
    expect(page.locator("#project-title")).to_be_focused()
    page.fill("#project-title", "")
    page.click("#project-form button[type=submit]")
    expect(vault.notice("error")).to_contain_text("A project needs a title")
    page.fill("#project-title", "Pier at dusk")
    page.fill("#project-mood", "quiet")
    for field, value in (("#project-frameCount", "48"), ("#project-durationSec", "")):
        page.locator(field).clear()  # Firefox over BiDi types after a number field's value, not over it
        page.locator(field).fill(value)
        expect(page.locator(field)).to_have_value(value)
    page.click("#project-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Pier at dusk")
    expect(page.locator("#project-form")).to_be_hidden()
    project = next(p for p in vault.call("listProjects") if p["id"] == pid)
    assert project["title"] == "Pier at dusk"
    _name, data = saved(page, lambda: page.click("#export-project"))
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # the project's fields, as an export carries them
        fields = json.loads(z.read("manifest.json"))["project"]
    assert (fields["title"], fields["mood"], fields["frameCount"], fields["prompt"]) == ("Pier at dusk", "quiet", 48, "a pier at dawn")


def test_files_are_picked_by_click_shift_click_and_keys_then_copied_exported_and_deleted_with_undo(vault):
    pid, refs = seeded(vault, 6)
    page = vault.page
    vault.open(f"#/project/{pid}")
    expect(page.locator("#assets .asset-card")).to_have_count(6)
    assert shown(page) == refs
    box = lambda i: page.locator(f".asset-card[data-ref='{refs[i]}'] input.pick")
    box(1).click()
    box(4).click(modifiers=["Shift"])
    expect(page.locator("#picked-count")).to_have_text("4 selected")
    expect(page.locator(".asset-card.picked")).to_have_count(4)

    page.click("#picked-copy")
    expect(vault.notice("info")).to_contain_text("Copied 4 refs")
    assert copied_text(page).split("\n") == refs[1:5]

    name, data = saved(page, lambda: page.click("#picked-export"))
    assert name.startswith("Pier-") and name.endswith("-4-files.zip")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        manifest = json.loads(z.read("manifest.json"))
        assert z.testzip() is None
    assert sorted(a["ref"] for a in manifest["assets"] if a["role"] == "frame") == sorted(refs[1:5])

    # Delete: gone from the grid at once, back with Undo, nothing deleted meanwhile.
    page.click("#picked-delete")
    expect(page.locator("#assets .asset-card")).to_have_count(2)
    notice = page.locator(".notice", has_text="Deleted 4 files.")
    notice.get_by_role("button", name="Undo").click()
    expect(page.locator("#assets .asset-card")).to_have_count(6)
    page.wait_for_timeout(7000)  # past the time the deletion would have landed
    assert frames_stored(vault, pid) == refs

    # The keyboard: Space picks, Shift+Space the run, Ctrl+A all, Escape none.
    first = page.locator(f".asset-card[data-ref='{refs[0]}']")
    first.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+Space")
    expect(page.locator("#picked-count")).to_have_text("3 selected")
    page.keyboard.press("Escape")
    expect(page.locator("#picked-count")).to_have_text("")
    page.keyboard.press("ControlOrMeta+a")
    expect(page.locator("#picked-count")).to_have_text("6 selected")
    box(0).click()  # unpicked: five left
    page.click("#picked-delete")
    expect(page.locator("#assets .asset-card")).to_have_count(1)
    for _ in range(150):  # deleted once the Undo offer ends (6 s)
        if len(frames_stored(vault, pid)) == 1:
            break
        page.wait_for_timeout(100)
    assert frames_stored(vault, pid) == refs[:1]
    expect(page.locator("#assets .asset-card")).to_have_count(1)
    assert "Traceback" not in page.inner_text("body")


def test_files_are_moved_to_another_project_and_back_with_undo(vault, context):
    pid, refs = seeded(vault, 4)
    other = vault.call("createProject", {"title": "Harbour"})
    vault.wait_thumbnails(pid, 4)
    previews = [vault.call("getMeta", r)["thumbnailRef"] for r in refs]
    page = vault.page
    watcher = VaultPage(context.new_page(), vault.url).open(f"#/project/{other}")  # a second tab, on the target
    page.bring_to_front()  # the person works here (Firefox gave focus to the newer tab)
    vault.open(f"#/project/{pid}")
    expect(page.locator("#assets .asset-card")).to_have_count(4)
    page.locator(f".asset-card[data-ref='{refs[1]}'] input.pick").click()
    page.locator(f".asset-card[data-ref='{refs[2]}'] input.pick").click(modifiers=["Shift"])
    page.click("#picked-move")
    expect(page.locator("#move-target")).to_be_focused()
    page.select_option("#move-target", label="Harbour")
    page.click("#move-confirm")
    expect(vault.notice("info")).to_contain_text("Moved 2 files to “Harbour”.")
    expect(page.locator("#assets .asset-card")).to_have_count(2)
    assert shown(page) == [refs[0], refs[3]]
    expect(watcher.page.locator("#assets .asset-card")).to_have_count(2)  # the other tab, without a reload
    assert sorted(m["ref"] for m in vault.call("listAssets", other)) == sorted(refs[1:3] + previews[1:3])
    assert {vault.call("getMeta", r)["projectId"] for r in refs[1:3] + previews[1:3]} == {other}
    counts = {p["id"]: p["assetCount"] for p in vault.call("listProjects")}
    assert counts == {pid: 2, other: 2}  # files, not their previews
    page.locator(".notice", has_text="Moved 2 files").get_by_role("button", name="Undo").click()
    expect(vault.notice("info")).to_contain_text("Moved 2 files back.")
    expect(page.locator("#assets .asset-card")).to_have_count(4)
    assert frames_stored(vault, pid) == refs
    assert {p["id"]: p["assetCount"] for p in vault.call("listProjects")} == {pid: 4, other: 0}
    expect(watcher.page.locator("#assets .asset-card")).to_have_count(0)

    # Through the bridge: all or none, checked.
    assert vault.call("moveAssets", [previews[0]], other)["error"]["name"] == "InvalidInputError"
    assert vault.call("moveAssets", [refs[0], "a_not_here"], other)["error"]["name"] == "NotFoundError"
    assert vault.call("moveAssets", refs[:1], "p_not_here")["error"]["name"] == "NotFoundError"
    assert frames_stored(vault, pid) == refs
    assert vault.call("moveAssets", refs, other) == {"projectId": other, "moved": 4}
    assert frames_stored(vault, other) == refs and frames_stored(vault, pid) == []
    assert "Traceback" not in page.inner_text("body")


def test_a_move_of_more_files_than_one_slice_of_writes_moves_them_all(vault):
    """Over PUT_SLICE (500) records, the puts go a slice per request event: all must land."""
    pid = vault.call("createProject", {"title": "Many"})
    other = vault.call("createProject", {"title": "Elsewhere"})
    png = base64.b64encode(image_bytes("PNG", (8, 8), seed=5)).decode()
    refs = vault.page.evaluate("""async ([pid, b64]) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const refs = [];
        for (let i = 0; i < 600; i += 100) {  // bytes after IEND make each file its own
          refs.push(...await Promise.all(Array.from({length: 100}, (_, k) =>
            window.assetVault.saveBlob(pid, new Blob([bytes, `${i + k}`], {type: "image/png"})))));
        }
        return refs; }""", [pid, png])
    vault.wait_thumbnails(pid, 600)  # 1,200 records move: frames and previews
    assert vault.call("moveAssets", refs, other) == {"projectId": other, "moved": 600}
    assert sorted(frames_stored_any(vault, other)) == sorted(refs) and frames_stored_any(vault, pid) == []
    assert len(vault.call("listAssets", other)) == 1200 and vault.call("listAssets", pid) == []
    counts = {p["id"]: p["assetCount"] for p in vault.call("listProjects")}
    assert counts == {pid: 0, other: 600}


def frames_stored_any(vault, pid) -> list[str]:
    return [m["ref"] for m in vault.call("listAssets", pid) if m["role"] != "thumbnail"]
