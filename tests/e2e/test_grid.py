"""A big project's grid: only the cards near the viewport are in the DOM, yet scrolling, the
keyboard and a screen reader's list semantics reach every asset; changes land in place."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.vault_page import VaultPage, page_errors
from tests.media import data_url, image_bytes

FRAMES = 600


def _fill(vault, pid: str, count: int) -> list[str]:
    """count distinct small PNGs saved through the bridge in bursts, made in the page."""
    png = image_bytes("PNG", (32, 24), seed=5)
    return vault.page.evaluate("""async ([pid, bytes, count]) => {
        const png = new Uint8Array(bytes);
        const refs = [];
        for (let i = 0; i < count; i += 200) {
          refs.push(...await Promise.all(Array.from({length: Math.min(200, count - i)}, (_, k) =>
            window.assetVault.saveBlob(pid, new Blob([png, `#${i + k}`], {type: "image/png"}),
                                       {name: `frame-${String(i + k).padStart(4, "0")}.png`}))));
        }
        return refs; }""", [pid, list(png), count])


def test_a_big_project_keeps_few_cards_in_the_dom_and_every_one_reachable(vault):
    pid = vault.call("createProject", {"title": "Six hundred frames"})
    refs = _fill(vault, pid, FRAMES)
    vault.open(f"#/project/{pid}")
    grid = vault.page.locator("#assets")
    cards = grid.locator(".asset-card")
    expect(cards.first).to_have_attribute("aria-posinset", "1")
    expect(cards.first).to_have_attribute("aria-setsize", str(FRAMES))
    expect(vault.page.locator("#project-summary")).to_contain_text(f"{FRAMES} files")
    shown = cards.count()
    assert 0 < shown < 100, shown  # a window, not 600 cards
    # The grid is as tall as all its rows, so the scrollbar tells the truth.
    assert grid.bounding_box()["height"] > (FRAMES // 10) * 288

    # Keyboard: one card in the tab order (with its pick box, its name's link to the viewer and
    # its three buttons); End goes to the last asset, rendering it.
    first = cards.first
    first.focus()
    assert vault.page.evaluate("() => document.querySelectorAll('#assets [tabindex=\"0\"]').length") == 6
    vault.page.keyboard.press("End")
    last = grid.locator(f'[data-ref="{refs[-1]}"]')
    expect(last).to_be_focused()
    expect(last).to_have_attribute("aria-posinset", str(FRAMES))
    expect(last).to_have_attribute("tabindex", "0")
    expect(last.locator(".asset-name")).to_have_text(f"frame-{FRAMES - 1:04d}.png")
    vault.page.keyboard.press("ArrowLeft")
    expect(grid.locator(f'[data-ref="{refs[-2]}"]')).to_be_focused()
    expect(last).to_have_attribute("tabindex", "-1")
    assert cards.count() < 100
    vault.page.keyboard.press("Home")
    expect(grid.locator(f'[data-ref="{refs[0]}"]')).to_be_focused()

    # Scrolling to the middle renders the middle, with its previews.
    vault.page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight / 2)")
    middle = grid.locator(f'[data-ref="{refs[FRAMES // 2]}"]')
    expect(middle).to_be_visible()
    expect(middle.locator("img")).to_have_count(1)
    assert grid.locator(f'[data-ref="{refs[0]}"]').count() == 0

    # A change lands in place: delete a card in view (through its button), and save one more.
    middle.get_by_role("button", name="Delete").click()
    expect(middle).to_have_count(0)
    expect(grid.locator(f'[data-ref="{refs[FRAMES // 2 + 1]}"]')).to_be_focused()  # focus stays in the grid
    expect(vault.page.locator("#project-summary")).to_contain_text(f"{FRAMES - 1} files")
    scroll = vault.page.evaluate("() => window.scrollY")
    assert scroll > 1000  # the page was not redrawn from the top
    vault.call("saveDataUrl", pid, "data:image/png;base64," + __import__("base64").b64encode(
        image_bytes("PNG", (40, 30), seed=9)).decode())
    expect(cards.first).to_have_attribute("aria-setsize", str(FRAMES))
    expect(vault.page.locator("#project-summary")).to_contain_text(f"{FRAMES} files")
    assert abs(vault.page.evaluate("() => window.scrollY") - scroll) < 5


@pytest.mark.chromium_only("Playwright's download event is not given over WebDriver BiDi")
def test_download_from_a_card_gives_the_stored_bytes(vault):
    pid = vault.call("createProject", {"title": "One"})
    png = image_bytes("PNG", (64, 48), seed=11)
    ref = vault.save_bytes(pid, png, "image/png", {"name": "hero.png"})
    vault.open(f"#/project/{pid}")
    card = vault.page.locator(f'[data-ref="{ref}"]')
    with vault.page.expect_download() as got:
        card.get_by_role("button", name="Download").click()
    download = got.value
    assert download.suggested_filename == "hero.png"
    assert open(download.path(), "rb").read() == png


@pytest.mark.parametrize("maker", ["worker", "page"])
def test_previews_made_together_each_show_their_own_frame(page, server, maker):
    """Previews are made in a worker, 16 to a message; where the worker cannot load, the page makes
    them itself on shared canvases. Either way each must come out of its own frame."""
    refused: list[str] = []
    if maker == "page":
        page.context.route("**/static/preview-worker.js",
                           lambda route: (refused.append(route.request.url), route.fulfill(status=404)))
    errors = page_errors(page)
    vault = VaultPage(page, server.url).open()
    colours = [(230, 20, 20), (20, 230, 20), (20, 20, 230), (230, 230, 20)] * 4
    pngs = []
    for colour in colours:
        out = io.BytesIO()
        Image.new("RGB", (480, 270), colour).save(out, "PNG")
        pngs.append(out.getvalue())
    pid = vault.call("createProject", {"title": "Colours"})
    refs = vault.save_blobs([(pid, png, "image/png") for png in pngs])
    vault.wait_thumbnails(pid, len(refs))
    got = vault.page.evaluate("""async (refs) => Promise.all(refs.map(async (ref) => {
        const meta = await window.assetVault.getMeta(ref);
        const bitmap = await createImageBitmap(await window.assetVault.getBlob(meta.thumbnailRef));
        const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
        const context = canvas.getContext("2d");
        context.drawImage(bitmap, 0, 0);
        return [bitmap.width, bitmap.height, Array.from(context.getImageData(bitmap.width / 2, bitmap.height / 2, 1, 1).data.slice(0, 3))];
      }))""", refs)
    for (width, height, rgb), colour in zip(got, colours):
        assert (width, height) == (320, 180)
        assert all(abs(a - b) < 24 for a, b in zip(rgb, colour)), (rgb, colour)
    if maker == "page":
        # Firefox may still list the worker that failed to load; that its script was refused is the fact.
        assert refused
    else:
        workers = [w.url for w in page.workers if w.url.endswith("/static/preview-worker.js")]
        assert workers == [server.url + "static/preview-worker.js"]
    assert errors == []


@pytest.mark.parametrize("width", [1280, 1024, 700])
def test_a_card_shows_its_params_above_its_buttons(vault, width):
    """Every card has one fixed height: its params once went under its buttons at 1280 px, when
    the buttons or the meta line wrapped."""
    vault.page.set_viewport_size({"width": width, "height": 800})
    pid = vault.call("createProject", {"title": "Params"})
    for i in range(3):
        vault.call("saveDataUrl", pid, data_url(image_bytes("PNG", (64, 48), seed=i), "image/png"),
                   {"role": "keyframe-with-a-long-role", "name": f"a rather long file name {i}.png",
                    "params": {"prompt": "a harbour at dusk, fog rolling in over the cranes " * 3, "seed": i}})
    vault.open(f"#/project/{pid}")
    expect(vault.page.locator("#assets .asset-card")).to_have_count(3)
    boxes = vault.page.evaluate("""() => [...document.querySelectorAll('#assets .asset-card')].map((card) => {
        const box = (sel) => card.querySelector(sel).getBoundingClientRect();
        const [meta, params, actions, outer] = [box('.meta'), box('.params'), box('.actions'), card.getBoundingClientRect()];
        const line = parseFloat(getComputedStyle(card.querySelector('.params')).lineHeight) || 15;
        return {metaBottom: meta.bottom, paramsTop: params.top, paramsBottom: params.bottom,
                paramsHeight: params.height, line, actionsTop: actions.top, actionsBottom: actions.bottom,
                cardBottom: outer.bottom}; })""")
    for b in boxes:
        assert b["paramsHeight"] >= 2 * b["line"] - 1, b  # two lines of params, not a sliver
        assert b["metaBottom"] <= b["paramsTop"] + 0.5 and b["paramsBottom"] <= b["actionsTop"] + 0.5, b
        assert b["actionsBottom"] <= b["cardBottom"], b  # the buttons inside the card
