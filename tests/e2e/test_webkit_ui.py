"""What a Safari user clicks, in Safari's engine (WebKitGTK through WebKitWebDriver, a profile on
disk): the projects page, a project's grid (1,000 frames: scrolled and keyed through), the viewer
with Rename, moving and deleting with Undo, search, the status page against the demo provider,
the Backup panel against SeaweedFS with a restore on a second profile, axe on every route, and a
click held across a redraw.

WebDriver here has no Playwright locators, routes or clock: the checks poll the page through
plain WebDriver calls, clicks are WebDriver's pointer actions (real events at the element's
centre), and the status page talks to serve.py's own demo provider instead of a routed fake.
"""

from __future__ import annotations

import base64
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select

from tests.e2e.axe import AXE, RUN
from tests.e2e.test_backup import prefix, s3  # noqa: F401 (fixtures)
from tests.e2e.webkit import webkit_vault
from tests.media import data_url, image_bytes, wav_bytes

WAIT_S = 20


def until(check, what: str, seconds: float = WAIT_S):
    deadline = time.monotonic() + seconds
    while True:
        try:
            value = check()
        except Exception:  # a node replaced between finding and reading it: look again
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.1)


def shown(driver, css: str):
    """The first element matching ``css`` once it is displayed."""
    return until(lambda: next((e for e in driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()), None),
                 f"{css} shown")


def click(driver, css: str) -> None:
    until(lambda: shown(driver, css).click() or True, f"{css} clicked")


def text(driver, css: str, want: str) -> None:
    until(lambda: shown(driver, css).text.strip() == want, f"{css} says {want!r}")


def route(driver, want: str) -> None:
    until(lambda: driver.execute_script("return location.hash") == want, f"the route is {want}")


def go(vault, hash_route: str) -> None:
    vault.driver.execute_script("location.hash = arguments[0]", hash_route)
    route(vault.driver, hash_route)


def test_in_webkit_a_person_opens_renames_moves_and_deletes_with_undo_and_searches(server):
    with webkit_vault(server.url, on_disk=True) as vault:
        d = vault.driver
        pid = vault.call("createProject", {"title": "Harbour"})
        refs = [vault.save_bytes(pid, image_bytes("PNG", (64, 48), seed=s), "image/png") for s in range(3)]
        vault.call("updateAsset", refs[1], {"name": "pier.png", "params": {"prompt": "a pier at dawn"}})
        text(d, f".project-card[data-project-id='{pid}'] .project-title", "Harbour")
        click(d, f".project-card[data-project-id='{pid}'] .project-title")
        route(d, f"#/project/{pid}")
        until(lambda: len(d.find_elements(By.CSS_SELECTOR, "#assets .asset-card")) == 3, "three cards")

        click(d, f"[data-ref='{refs[1]}'] .asset-name")
        text(d, "h1", "pier.png")
        click(d, "#viewer-rename")
        field = shown(d, "#rename-input")
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys("pier, final.png", Keys.ENTER)
        text(d, "h1", "pier, final.png")
        assert vault.call("getMeta", refs[1])["name"] == "pier, final.png"

        click(d, "#viewer-back")
        shown(d, f"[data-ref='{refs[2]}'] input.pick").click()
        text(d, "#picked-count", "1 selected")
        click(d, "#picked-delete")
        until(lambda: not d.find_elements(By.CSS_SELECTOR, f"[data-ref='{refs[2]}']"), "the card gone at once")
        click(d, ".notice .notice-action")
        shown(d, f"[data-ref='{refs[2]}']")
        time.sleep(7)  # past the Undo offer: Undo kept it
        assert vault.call("getMeta", refs[2]) is not None

        elsewhere = vault.call("createProject", {"title": "Elsewhere"})
        shown(d, f"[data-ref='{refs[0]}'] input.pick").click()
        text(d, "#picked-count", "1 selected")
        click(d, "#picked-move")
        Select(shown(d, "#move-target")).select_by_value(elsewhere)
        click(d, "#move-confirm")
        until(lambda: not d.find_elements(By.CSS_SELECTOR, f"[data-ref='{refs[0]}']"), "moved out of the grid")
        assert vault.call("getMeta", refs[0])["projectId"] == elsewhere
        click(d, ".notice .notice-action")  # Undo: moved back
        shown(d, f"[data-ref='{refs[0]}']")
        assert vault.call("getMeta", refs[0])["projectId"] == pid

        go(vault, "#/search")
        box = shown(d, "#search-all")
        box.send_keys("dawn")
        click(d, f"#search-results a[href^='#/asset/{refs[1]}']")
        text(d, "h1", "pier, final.png")


def test_in_webkit_a_click_held_across_a_redraw_still_lands(server):
    """The press waits out a change to the very card under it (presses.py), in Safari's engine."""
    with webkit_vault(server.url, on_disk=True) as vault:
        d = vault.driver
        pid = vault.call("createProject", {"title": "Live"})
        ref = vault.save_bytes(pid, image_bytes("PNG", (64, 48), seed=4), "image/png")
        vault.call("updateAsset", ref, {"name": "live.png"})
        go(vault, f"#/project/{pid}")
        for n, target in enumerate((f"[data-ref='{ref}'] .asset-name", "#viewer-rename")):
            element = shown(d, target)
            ActionChains(d).move_to_element(element).click_and_hold().perform()
            vault.call("updateAsset", ref, {"params": {"prompt": f"take {n}"}})  # redraws card and viewer
            time.sleep(0.7)
            ActionChains(d).release().perform()
            if n == 0:
                text(d, "h1", "live.png")
            else:
                shown(d, "#rename-input")


def test_in_webkit_the_status_page_follows_the_demo_provider_and_its_links_open(server):
    with webkit_vault(server.url, on_disk=True) as vault:
        d = vault.driver
        go(vault, "#/status/a1,fail3")
        shown(d, ".file-card[data-file-id=a1][data-stored=true] img")
        until(lambda: "failed on purpose" in shown(d, ".file-card[data-file-id=fail3] .file-error").text,
              "fail3's error shown")
        click(d, ".file-card[data-file-id=a1] .asset-name")
        route(d, "#/file/a1")
        click(d, "#whole-generation")
        route(d, "#/status/a1,fail3")
        click(d, "#generation-project")
        until(lambda: d.execute_script("return location.hash").startswith("#/project/"), "the project opened")
        until(lambda: len(d.find_elements(By.CSS_SELECTOR, "#assets .asset-card")) == 1, "a1 stored in it")


def test_in_webkit_no_serious_or_critical_violation_on_any_route(server):
    """axe-core as test_a11y runs it, put in the page through WebDriver (no routes here)."""
    with webkit_vault(server.url, on_disk=True) as vault:
        d = vault.driver
        pid = vault.call("createProject", {"title": "Checked", "prompt": "dawn over water"})
        image = vault.save_bytes(pid, image_bytes("PNG", (320, 200), seed=3), "image/png")
        vault.call("updateAsset", image, {"role": "frame", "params": {"prompt": "dawn", "seed": 7}})
        lost = vault.save_bytes(pid, image_bytes("PNG", (64, 64), seed=4), "image/png")
        sound = vault.call("saveDataUrl", pid, data_url(wav_bytes(0.3), "audio/wav"), {"role": "tts"})
        until(lambda: all(vault.call("getMeta", r)["thumbnailRef"] for r in (image, lost)), "previews made")
        vault._async(DELETE_BLOB, lost)
        routes = [("#/", ".project-card"), (f"#/project/{pid}", ".asset-card img"), (f"#/asset/{image}", "#viewer-media"),
                  (f"#/project/{pid}?q=nothing-like-it", "#no-match"), ("#/search?q=dawn", ".result-group"),
                  (f"#/asset/{sound}", "audio#viewer-media"), (f"#/asset/{lost}", "#viewer-missing"),
                  ("#/status/a1,b2", ".file-card"), ("#/file/a1", ".file-card"), ("#/nowhere", "h1")]
        found = {}
        for hash_route, ready in routes:
            go(vault, hash_route)
            until(lambda r=ready: d.find_elements(By.CSS_SELECTOR, r), f"{ready} on {hash_route}")
            time.sleep(0.3)  # previews drawn
            found[hash_route] = run_axe(d)
        go(vault, f"#/asset/{image}")
        click(d, "#viewer-rename")
        shown(d, "#rename-input")
        found["viewer, renaming"] = run_axe(d)
        assert {where: v for where, v in found.items() if v} == {}


DELETE_BLOB = """const open = indexedDB.open("asset-vault");
open.onsuccess = () => { const tx = open.result.transaction("blobs", "readwrite");
  tx.objectStore("blobs").delete(arguments[0]);
  tx.oncomplete = () => { open.result.close(); done(true); }; };"""


def run_axe(driver) -> list[str]:
    if not driver.execute_script("return typeof axe === 'object'"):
        driver.execute_script(AXE.decode())
    return driver.execute_async_script(f"const done = arguments[arguments.length - 1]; ({RUN})().then(done)")


FRAMES = 1000
FILL = """const [pid, count] = arguments;
(async () => {
  const png = Uint8Array.from(atob(arguments[2]), (c) => c.charCodeAt(0));
  const refs = [];
  for (let i = 0; i < count; i += 200) {
    refs.push(...await Promise.all(Array.from({length: Math.min(200, count - i)}, (_, k) =>
      window.assetVault.saveBlob(pid, new Blob([png, `#${i + k}`], {type: "image/png"}),
                                 {name: `frame-${String(i + k).padStart(4, "0")}.png`}))));
  }
  return refs;
})().then(done, (e) => done({error: String(e)}));"""


def test_in_webkit_a_thousand_frame_grid_is_windowed_and_reached_by_scroll_and_keys(server):
    with webkit_vault(server.url, on_disk=True) as vault:
        d = vault.driver
        pid = vault.call("createProject", {"title": "A thousand frames"})
        refs = vault._async(FILL, pid, FRAMES, base64.b64encode(image_bytes("PNG", (32, 24), seed=5)).decode())
        assert isinstance(refs, list) and len(refs) == FRAMES, refs
        go(vault, f"#/project/{pid}")
        until(lambda: FRAMES_TEXT in shown(d, "#project-summary").text, "every frame counted")
        first = shown(d, "#assets .asset-card")
        assert first.get_attribute("aria-setsize") == str(FRAMES) and first.get_attribute("aria-posinset") == "1"
        assert 0 < len(d.find_elements(By.CSS_SELECTOR, "#assets .asset-card")) < 100  # a window

        d.execute_script("arguments[0].focus()", first)
        ActionChains(d).send_keys(Keys.END).perform()
        until(lambda: d.execute_script("return document.activeElement.dataset.ref") == refs[-1], "End: the last")
        last = d.find_element(By.CSS_SELECTOR, f"[data-ref='{refs[-1]}']")
        assert last.get_attribute("aria-posinset") == str(FRAMES)
        ActionChains(d).send_keys(Keys.ARROW_LEFT).perform()
        until(lambda: d.execute_script("return document.activeElement.dataset.ref") == refs[-2], "ArrowLeft")
        ActionChains(d).send_keys(Keys.HOME).perform()
        until(lambda: d.execute_script("return document.activeElement.dataset.ref") == refs[0], "Home: the first")

        d.execute_script("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
        middle = shown(d, f"[data-ref='{refs[FRAMES // 2]}']")
        until(lambda: middle.find_elements(By.CSS_SELECTOR, "img"), "the middle's preview drawn")
        assert not d.find_elements(By.CSS_SELECTOR, f"[data-ref='{refs[0]}']")
        assert len(d.find_elements(By.CSS_SELECTOR, "#assets .asset-card")) < 100


FRAMES_TEXT = f"{FRAMES:,} files"


def test_in_webkit_backup_is_turned_on_in_the_panel_synced_and_restored_on_another_device(server, s3, prefix):  # noqa: F811
    with webkit_vault(server.url, on_disk=True) as vault:
        d = vault.driver
        click(d, "#backup summary")
        fill_backup_form(d, s3, prefix)
        until(lambda: "backed up" in shown(d, "#backup-counts").text, "backup on")
        pid = vault.call("createProject", {"title": "Made in Safari"})
        for seed in range(2):
            vault.save_bytes(pid, image_bytes("PNG", (48, 32), seed=seed), "image/png")
        until(lambda: shown(d, "#backup-counts").text.startswith("4 backed up · 0 waiting"), "frames and previews up")
        click(d, "#backup-sync")
        until(lambda: any("Synced:" in n.text for n in d.find_elements(By.CSS_SELECTOR, ".notice")), "synced")
    with webkit_vault(server.url, on_disk=True) as other:
        d = other.driver
        click(d, "#backup summary")
        fill_backup_form(d, s3, prefix)
        click(d, f"[data-remote-project-id='{pid}'] button")
        route(d, f"#/project/{pid}")
        until(lambda: len(d.find_elements(By.CSS_SELECTOR, "#assets .asset-card")) == 2, "both frames restored")


def fill_backup_form(driver, s3, prefix) -> None:
    for name, value in (("endpoint", s3.endpoint), ("bucket", s3.bucket), ("prefix", prefix),
                        ("accessKeyId", s3.keys[0]), ("secretAccessKey", s3.keys[1])):
        field = shown(driver, f"#backup-form input[name={name}]")
        field.clear()
        field.send_keys(value)
    click(driver, "#backup-save")
