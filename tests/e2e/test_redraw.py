"""A click survives a redraw: the pointer goes down, the vault redraws the view (a host app saved,
a poll came in), the pointer comes up, and the click still does what it says.

Firefox fires no click when the node pressed left the document before the button came up, even if
the same node is back by then; a view that rebuilt its whole tree on every change lost real clicks
this way (the status tests saw it about once a run)."""

from playwright.sync_api import expect

from tests.e2e.test_status import FakeProvider
from tests.media import image_bytes
from tools.demo_provider import frame_png


def press(page, selector: str):
    target = page.locator(selector)
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()


def test_the_projects_page_keeps_a_pressed_button_and_link_through_a_redraw(vault):
    page = vault.page
    first = vault.call("createProject", {"title": "First"})
    expect(page.locator(".project-card")).to_have_count(1)
    page.fill("#track-ids", "c3")
    press(page, "#track-form button")
    second = vault.call("createProject", {"title": "Second"})  # a host app's write redraws the list
    expect(page.locator(".project-card")).to_have_count(2)
    page.mouse.up()
    expect(page).to_have_url(f"{vault.url}#/status/c3")

    vault.open()
    card = page.locator(f".project-card[data-project-id='{second}']")
    expect(card).to_contain_text("0 files")
    press(page, f".project-card[data-project-id='{first}'] .project-title")
    vault.save_bytes(second, frame_png("x", (64, 36)), "image/png")
    expect(card).not_to_contain_text("0 files")  # the list was redrawn; no card was added or moved
    page.mouse.up()
    expect(page).to_have_url(f"{vault.url}#/project/{first}")


def test_the_projects_page_keeps_a_pressed_link_of_the_project_that_changes(vault):
    """The project a generator saves into is the one a person opens: its card's counts change
    under the pointer."""
    page = vault.page
    pid = vault.call("createProject", {"title": "Busy"})
    card = page.locator(f".project-card[data-project-id='{pid}']")
    expect(card).to_contain_text("0 files")
    press(page, f".project-card[data-project-id='{pid}'] .project-title")
    vault.save_bytes(pid, frame_png("x", (64, 36)), "image/png")
    expect(card).not_to_contain_text("0 files")
    page.mouse.up()
    expect(page).to_have_url(f"{vault.url}#/project/{pid}")


def test_a_project_card_keeps_a_pressed_name_and_image_while_its_record_changes(vault):
    """A preview made, a checksum or an edit from another tab redraws a card: a press on its name
    or image that straddles that still opens the file."""
    pid = vault.call("createProject", {"title": "Live"})
    ref = vault.save_bytes(pid, image_bytes("PNG", (64, 48), seed=12), "image/png",
                           {"name": "live.png", "params": {"prompt": "first"}})
    page = vault.page
    for target, prompt in ((".asset-name", "second"), (".preview img", "third")):
        vault.open(f"#/project/{pid}")
        expect(page.locator(f'[data-ref="{ref}"] .preview img')).to_be_visible()
        press(page, f'[data-ref="{ref}"] {target}')
        vault.call("updateAsset", ref, {"params": {"prompt": prompt}})
        expect(page.locator(f'[data-ref="{ref}"] .params')).to_contain_text(prompt)
        page.wait_for_function("""(ref) => { const img = document.querySelector(`[data-ref="${ref}"] .preview img`);
                                             return img && img.complete; }""", arg=ref)
        page.mouse.up()
        expect(page.locator("h1")).to_have_text("live.png")
        assert page.evaluate("() => location.hash").startswith(f"#/asset/{ref}")


def test_a_status_page_keeps_a_pressed_link_through_a_poll(vault):
    """b2 keeps generating, so every poll redraws the file page of a1 while its link is pressed."""
    def answer(file_id, n):
        if file_id == "a1":
            return 200, {}, {"id": "a1", "status": "error", "error": "no"}
        return 200, {}, {"id": "b2", "status": "processing", "progress": min(99, n)}

    provider = FakeProvider(vault.page, answer)
    page = vault.page
    vault.open("#/status/a1,b2")
    expect(page.locator(".file-card[data-file-id=a1][data-status=error]")).to_be_visible(timeout=20_000)
    page.click(".file-card[data-file-id=a1] .asset-name")
    expect(page.locator("#whole-generation")).to_be_visible()
    press(page, "#whole-generation")
    polls = len(provider.asked)
    for _ in range(100):  # two more polls, each followed by a redraw of this page
        if len(provider.asked) >= polls + 2:
            break
        page.wait_for_timeout(100)
    assert len(provider.asked) >= polls + 2, "the provider was not polled while the link was pressed"
    page.wait_for_timeout(300)  # the redraw waits for a quiet 100 ms
    page.mouse.up()
    expect(page).to_have_url(f"{vault.url}#/status/a1,b2")
