"""Every click lands, whatever the vault draws meanwhile.

A click is a press and a release on the same node. Each test here presses a control, makes the
vault redraw what shows it while the button is held (another tab saves into the project and edits
the very file under the pointer; the provider answers a poll; uploads move the backup's counts),
then releases, and checks the click did what it says. A redraw that replaced or moved the pressed
node lost the click (Firefox fires none; Chromium fires it on an ancestor with no handler): the
vault holds its drawing while a pointer is pressed (app/browser/ui/presses.py). The same controls
are then clicked the ordinary way while another tab saves a frame every 60 ms, each save a change
event, a preview and (with backup on) an upload in this tab.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_backup import fill_backup_form, prefix, s3  # noqa: F401 (fixtures)
from tests.e2e.test_status import FakeProvider
from tests.e2e.vault_page import VaultPage
from tests.media import image_bytes

HOLD_MS = 700  # a redraw lands ~100-300 ms after a change (a quiet 100 ms, then reading): held longer
ROUNDS = 3  # each control pressed across a redraw this many times, then clicked as many under the storm

STORM = """([pid, every]) => {
  const canvas = new OffscreenCanvas(32, 24), g = canvas.getContext("2d");
  let n = 0, busy = false;
  window.__storm = setInterval(async () => {
    if (busy) return;
    busy = true; n += 1;
    g.fillStyle = `hsl(${(n * 47) % 360} 70% 50%)`; g.fillRect(0, 0, 32, 24);
    try { await window.assetVault.saveBlob(pid, await canvas.convertToBlob({type: "image/png"}), {name: `storm-${n}.png`}); }
    finally { busy = false; }
  }, every);
}"""


class OtherTab:
    """Another tab of the vault: its writes reach the tested tab as change events."""

    def __init__(self, context, url: str):
        self.vault = VaultPage(context.new_page(), url).open()

    def save(self, pid: str, seed: int) -> str:
        return self.vault.save_bytes(pid, image_bytes("PNG", (48, 32), seed=seed), "image/png",
                                     {"name": f"other-{seed}.png"})

    def storm(self, pid: str, every_ms: int = 60) -> None:
        self.vault.page.evaluate(STORM, [pid, every_ms])

    def calm(self) -> None:
        self.vault.page.evaluate("() => clearInterval(window.__storm)")


def straddle(page, selector: str, provoke) -> None:
    """A press on ``selector`` held while ``provoke()`` makes the vault redraw, then released."""
    target = page.locator(selector).first
    expect(target).to_be_visible()
    height = page.viewport_size["height"]
    box = None
    for _ in range(40):  # until it stands still in the viewport (earlier changes may still be drawn)
        target.evaluate("(el) => el.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(150)
        was, box = box, target.bounding_box()
        if box and box == was and 0 <= box["y"] and box["y"] + box["height"] <= height:
            break
    else:
        raise AssertionError(f"{selector} did not come into view")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    provoke()
    page.wait_for_timeout(HOLD_MS)
    page.mouse.up()


@pytest.fixture
def other(context, server):
    tab = OtherTab(context, server.url)
    yield tab
    tab.calm()


def test_the_projects_page_keeps_every_click(vault, other):
    page = vault.page
    busy = vault.call("createProject", {"title": "Busy"})
    vault.call("createProject", {"title": "Quiet"})
    card = page.locator(f".project-card[data-project-id='{busy}']")
    for n in range(ROUNDS):
        vault.open()
        expect(card).to_be_visible()
        straddle(page, f"{card_sel(busy)} .project-title", lambda n=n: other.save(busy, n))
        expect(page).to_have_url(f"{vault.url}#/project/{busy}")
        vault.open()
        page.fill("#track-ids", f"c{n}")
        straddle(page, "#track-form button", lambda n=n: other.save(busy, 10 + n))
        expect(page).to_have_url(f"{vault.url}#/status/c{n}")
    vault.open()
    other.storm(busy)
    for n in range(ROUNDS):
        page.click(f"{card_sel(busy)} .project-title")
        expect(page).to_have_url(f"{vault.url}#/project/{busy}")
        page.click("nav a[href='#/']")
        expect(page.locator("#track-ids")).to_be_visible()


def card_sel(pid: str) -> str:
    return f".project-card[data-project-id='{pid}']"


def test_the_project_page_and_viewer_keep_every_click(vault, other):
    """A card's name, Rename, the selection bar's Move to… and Delete, and the notice's Undo, each
    pressed while another tab saves into the project and edits the file under the pointer."""
    page = vault.page
    pid = vault.call("createProject", {"title": "Frames"})
    vault.call("createProject", {"title": "Elsewhere"})
    refs = [vault.save_bytes(pid, image_bytes("PNG", (64, 48), seed=s), "image/png", {"name": f"f{s}.png"})
            for s in range(4)]
    vault.wait_thumbnails(pid, 4)
    touched = iter(range(1000))

    def edit(ref):  # the file under the pointer changes, and the project gains a frame
        def provoke():
            n = next(touched)
            other.vault.call("updateAsset", ref, {"params": {"prompt": f"take {n}"}})
            other.save(pid, 100 + n)
        return provoke

    for n in range(ROUNDS):
        vault.open(f"#/project/{pid}")
        expect(page.locator(f"[data-ref='{refs[1]}'] .preview img")).to_be_visible()
        straddle(page, f"[data-ref='{refs[1]}'] .asset-name", edit(refs[1]))
        expect(page.locator("h1")).to_have_text("f1.png")
        expect(page.locator("#viewer-rename")).to_be_visible()
        straddle(page, "#viewer-rename", edit(refs[1]))
        expect(page.locator("#rename-input")).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.locator("#rename-input")).to_have_count(0)

        vault.open(f"#/project/{pid}")
        straddle(page, f"[data-ref='{refs[2]}'] input.pick", edit(refs[2]))
        expect(page.locator("#picked-count")).to_have_text("1 selected")
        straddle(page, "#picked-move", edit(refs[2]))
        expect(page.locator("#move-target")).to_be_visible()
        page.click("#move-cancel")
        straddle(page, "#picked-delete", edit(refs[2]))
        expect(page.locator(f"[data-ref='{refs[2]}']")).to_have_count(0)
        undo = page.locator(".notice", has_text="Deleted f2.png.").get_by_role("button", name="Undo")
        straddle(page, ".notice:has-text('Deleted f2.png.') .notice-action", edit(refs[3]))
        expect(undo).to_have_count(0)
        expect(page.locator(f"[data-ref='{refs[2]}']")).to_have_count(1)
        expect(page.locator(".notice", has_text="Kept f2.png.").last).to_be_visible()

    vault.open(f"#/project/{pid}")
    other.storm(pid)
    for n in range(ROUNDS):
        page.click(f"[data-ref='{refs[0]}'] .asset-name")
        expect(page.locator("h1")).to_have_text("f0.png")
        page.click("#viewer-rename")
        expect(page.locator("#rename-input")).to_be_visible()
        page.keyboard.press("Escape")
        page.click("#viewer-back")
        expect(page.locator(f"[data-ref='{refs[0]}'] .asset-name")).to_be_visible()
    other.calm()
    assert vault.call("getMeta", refs[2]) is not None  # every Undo kept it
    assert all(m["name"].startswith(("f", "other-", "storm-")) for m in vault.call("listAssets", pid))


def test_search_results_keep_every_click(vault, other):
    page = vault.page
    pid = vault.call("createProject", {"title": "Found"})
    ref = vault.save_bytes(pid, image_bytes("PNG", (64, 48), seed=3), "image/png",
                           {"name": "needle.png", "params": {"prompt": "a fox"}})
    for n in range(ROUNDS):
        vault.open("#/search?q=fox")
        link = f"#search-results a[href^='#/asset/{ref}']"
        expect(page.locator(link)).to_be_visible()

        def provoke(n=n):
            other.vault.call("updateAsset", ref, {"params": {"prompt": f"a fox, take {n}"}})
            other.save(pid, 200 + n)
        straddle(page, link, provoke)
        expect(page.locator("h1")).to_have_text("needle.png")


def test_the_status_page_keeps_every_click(vault):
    """b2 keeps generating: every poll redraws the page while its links are pressed."""
    def answer(file_id, n):
        if file_id == "a1":
            return 200, {}, {"id": "a1", "status": "error", "error": "no"}
        return 200, {}, {"id": "b2", "status": "processing", "progress": min(99, n)}

    provider = FakeProvider(vault.page, answer)
    page = vault.page

    def two_polls():
        polls = len(provider.asked)
        for _ in range(100):
            if len(provider.asked) >= polls + 2:
                return
            page.wait_for_timeout(100)
        raise AssertionError("the provider was not polled while the link was pressed")

    for _ in range(ROUNDS):
        vault.open("#/status/a1,b2")
        expect(page.locator(".file-card[data-file-id=a1][data-status=error]")).to_be_visible(timeout=20_000)
        straddle(page, ".file-card[data-file-id=a1] .asset-name", two_polls)
        expect(page).to_have_url(f"{vault.url}#/file/a1")
        straddle(page, "#whole-generation", two_polls)
        expect(page).to_have_url(f"{vault.url}#/status/a1,b2")
        expect(page.locator("#overall")).to_be_visible()
        straddle(page, "nav a", two_polls)
        expect(page).to_have_url(f"{vault.url}#/")


def test_the_backup_panel_keeps_every_click(vault, other, s3, prefix):
    """Uploads of another tab's saves redraw the panel's counts (and, before, its buttons) up to
    four times a second."""
    page = vault.page
    pid = vault.call("createProject", {"title": "Backed up"})
    page.locator("#backup summary").click()
    fill_backup_form(page, s3, prefix, s3.keys[1])
    expect(page.locator("#backup-sync")).to_be_visible()
    counts = page.locator("#backup-counts")
    for n in range(ROUNDS):
        def uploads(n=n):
            for k in range(3):
                other.save(pid, 300 + 3 * n + k)
        straddle(page, "#backup-sync", uploads)
        expect(page.locator(".notice", has_text="Synced:")).to_have_count(1)
        page.locator(".notice", has_text="Synced:").get_by_role("button", name="Dismiss").click()
        expect(counts).to_contain_text(re.compile(r"^[1-9][0-9]* backed up"), timeout=20_000)
        straddle(page, "#backup-status button.secondary", uploads)
        expect(page.locator("#backup-form")).to_be_visible()
        # The field has the focus (read in the page: with two tabs, Firefox's window may not).
        assert page.evaluate("() => document.activeElement.name") == "secretAccessKey"
        vault.open()
        page.locator("#backup summary").click()
    other.storm(pid, 150)
    for _ in range(ROUNDS):
        page.click("#backup-sync")
        expect(page.locator(".notice", has_text="Synced:")).to_have_count(1, timeout=20_000)
        page.locator(".notice", has_text="Synced:").get_by_role("button", name="Dismiss").click()
