"""Finding media: frames in frame order, sort, filters and search in a project and across
projects, all kept in the URL (shareable, surviving a reload) and followed by the viewer."""

from playwright.sync_api import expect

from tests.e2e.vault_page import VaultPage
from tests.media import image_bytes, wav_bytes

LIGHT = ["dawn", "noon", "dusk", "night"]
SAVED_ORDER = [5, 2, 7, 0, 3, 6, 1, 4]  # a generator's workers finish frames out of order


def seeded(vault: VaultPage):
    pid = vault.call("createProject", {"title": "Harbour"})
    frames = {}
    for n in SAVED_ORDER:
        frames[n] = vault.save_bytes(pid, image_bytes("PNG", (48 + n, 32), seed=n), "image/png",
                                     {"role": "frame", "name": f"harbour-{n:03}.png",
                                      "params": {"prompt": f"a harbour at {LIGHT[n % 4]}", "frameNumber": n, "seed": 100 + n}})
    voice = vault.save_bytes(pid, wav_bytes(0.3), "audio/wav", {"role": "tts", "name": "narration.wav",
                                                                 "params": {"text": "The harbour wakes at dawn"}})
    other = vault.call("createProject", {"title": "Alley"})
    elsewhere = vault.save_bytes(other, image_bytes("PNG", seed=40), "image/png",
                                 {"name": "alley.png", "params": {"prompt": "an alley at dusk"}})
    return pid, frames, voice, other, elsewhere


def cards(page) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('#assets .asset-card')].map((c) => c.dataset.ref)")


def hash_of(page) -> str:
    return page.evaluate("() => decodeURIComponent(location.hash)")


def expect_cards(page, refs: list[str]) -> None:
    expect(page.locator("#assets .asset-card")).to_have_count(len(refs))
    assert cards(page) == refs


def test_frames_show_in_frame_order_and_sort_filter_and_search_live_in_the_url(vault):
    pid, frames, voice, _other, _elsewhere = seeded(vault)
    page = vault.page
    vault.open(f"#/project/{pid}")
    in_order = [frames[n] for n in range(8)]
    expect_cards(page, in_order + [voice])  # frames by number, the narration after them

    page.fill("#search-input", "DUSK harbour")
    expect_cards(page, [frames[2], frames[6]])
    assert hash_of(page) == f"#/project/{pid}?q=DUSK harbour"
    expect(page.locator("#project-summary")).to_contain_text("2 shown of 9 files")

    page.fill("#search-input", "dawn")  # the narration's params match too
    expect_cards(page, [frames[0], frames[4], voice])
    page.select_option("#kind-select", "image")
    page.select_option("#sort-select", "-name")
    expect_cards(page, [frames[4], frames[0]])
    assert hash_of(page) == f"#/project/{pid}?q=dawn&sort=-name&kind=image"

    vault.reload()  # the same view after a reload, controls and all
    expect_cards(page, [frames[4], frames[0]])
    expect(page.locator("#search-input")).to_have_value("dawn")
    expect(page.locator("#sort-select")).to_have_value("-name")
    expect(page.locator("#kind-select")).to_have_value("image")

    page.fill("#search-input", "zebra")
    expect(page.locator("#no-match")).to_be_visible()
    page.click("#no-match button")
    expect_cards(page, [voice] + [frames[n] for n in reversed(range(8))])  # every kind, still by name Z-A
    page.select_option("#sort-select", "order")
    page.select_option("#role-select", "tts")
    expect_cards(page, [voice])


def test_the_viewer_steps_through_the_list_it_was_opened_from(vault):
    pid, frames, _voice, _other, _elsewhere = seeded(vault)
    page = vault.page
    vault.open(f"#/project/{pid}?q=dusk")
    expect_cards(page, [frames[2], frames[6]])
    page.locator(f".asset-card[data-ref='{frames[2]}'] .asset-name").click()
    assert hash_of(page) == f"#/asset/{frames[2]}?q=dusk"
    expect(page.locator("h1")).to_have_text("harbour-002.png")
    page.keyboard.press("ArrowRight")  # the next dusk frame, not frame 3
    expect(page.locator("h1")).to_have_text("harbour-006.png")
    expect(page.locator("#viewer-next")).to_have_attribute("aria-disabled", "true")
    page.keyboard.press("Escape")
    assert hash_of(page).startswith(f"#/project/{pid}?q=dusk")
    expect_cards(page, [frames[2], frames[6]])
    # Unfiltered, the steps follow frame order whatever order the frames were saved in.
    vault.open(f"#/asset/{frames[3]}")
    expect(page.locator("#viewer-prev")).to_have_attribute("title", "harbour-002.png")
    expect(page.locator("#viewer-next")).to_have_attribute("title", "harbour-004.png")


def test_one_search_finds_media_in_every_project_grouped_by_project(vault):
    pid, frames, _voice, other, elsewhere = seeded(vault)
    page = vault.page
    vault.open()
    page.fill("#search-projects", "dusk")
    page.press("#search-projects", "Enter")
    expect(page.locator("#search-count")).to_have_text("3 files in 2 projects")
    assert hash_of(page) == "#/search?q=dusk"
    groups = page.evaluate("""() => [...document.querySelectorAll('.result-group')].map((g) =>
        [g.dataset.projectId, [...g.querySelectorAll('li')].map((li) => li.dataset.ref)])""")
    assert groups == [[other, [elsewhere]], [pid, [frames[2], frames[6]]]]  # projects by title: Alley, Harbour

    page.fill("#search-all", "dusk alley")
    expect(page.locator("#search-count")).to_have_text("1 file in 1 project")
    assert hash_of(page) == "#/search?q=dusk alley"
    page.fill("#search-all", "")  # an empty box says it is ready, once the texts and order are made
    expect(page.locator("#search-results")).to_have_text("Type to search 10 files in 2 projects.")
    page.fill("#search-all", "dusk alley")
    # Saved in another tab while the results show: found without reloading.
    added = vault.save_bytes(other, image_bytes("PNG", seed=41), "image/png",
                             {"name": "alley-2.png", "params": {"prompt": "the alley at dusk, rain"}})
    expect(page.locator("#search-count")).to_have_text("2 files in 1 project")
    page.locator(f".result-group li[data-ref='{added}'] a").click()
    expect(page.locator("h1")).to_have_text("alley-2.png")
    vault.reload()
    expect(page.locator("h1")).to_have_text("alley-2.png")
