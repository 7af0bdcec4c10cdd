"""Accessibility: axe-core (npm, tests only) finds no serious or critical violation on any route,
the viewer included, with real media in it (and a file whose bytes are gone)."""

import pytest

from tests.e2e.axe import AXE, RUN
from tests.e2e.server import ROOT
from tests.e2e.vault_page import VaultPage
from tests.media import data_url, image_bytes, wav_bytes

AXE_PATH = "test-only/axe.min.js"  # served to the page by the test, never by serve.py


@pytest.fixture(autouse=True)
def axe_route(context, server):
    # Routed before any page opens: once (CI, loaded machine) routing a live page's context hung 240 s.
    context.route(server.url + AXE_PATH, lambda route: route.fulfill(body=AXE, content_type="text/javascript"))


@pytest.fixture
def seeded(vault):
    pid = vault.call("createProject", {"title": "Checked", "prompt": "dawn over water"})
    image = vault.call("saveDataUrl", pid, data_url(image_bytes("PNG", (320, 200), seed=3), "image/png"),
                       {"role": "frame", "params": {"prompt": "dawn", "seed": 7}})
    lost = vault.call("saveDataUrl", pid, data_url(image_bytes("PNG", (64, 64), seed=4), "image/png"))
    sound = vault.save_bytes(pid, wav_bytes(0.3), "audio/wav", {"role": "tts"})
    vault.wait_thumbnails(pid, 2)
    vault.delete_stored_blob(lost)
    return pid, image, lost, sound


def violations(vault: VaultPage, route: str, ready: str) -> list[str]:
    vault.open(route)
    vault.page.locator(ready).first.wait_for()
    vault.page.wait_for_timeout(300)  # previews drawn
    return run_axe(vault)


def run_axe(vault: VaultPage) -> list[str]:
    if not vault.page.evaluate("() => typeof axe === 'object'"):
        vault.page.add_script_tag(url=vault.url + AXE_PATH)
    return vault.page.evaluate(RUN)


def test_no_serious_or_critical_violation_on_any_route(vault, seeded):
    pid, image, lost, sound = seeded
    routes = [("#/", ".project-card"), (f"#/project/{pid}", ".asset-card img"), (f"#/asset/{image}", "#viewer-media"),
              (f"#/project/{pid}?q=nothing-like-it", "#no-match"), ("#/search?q=dawn", ".result-group"),
              (f"#/asset/{sound}", "audio#viewer-media"), (f"#/asset/{lost}", "#viewer-missing"),
              ("#/status/a1,b2", ".file-card"), ("#/file/a1", ".file-card"), ("#/nowhere", "h1")]
    found = {route: violations(vault, route, ready) for route, ready in routes}
    # Organising: files picked (the selection bar's actions), the project's form open, a rename.
    organise(vault, pid)
    found["project, organising"] = run_axe(vault)
    vault.open(f"#/asset/{image}")
    vault.page.click("#viewer-rename")
    found["viewer, renaming"] = run_axe(vault)
    assert {route: v for route, v in found.items() if v} == {}


def organise(vault: VaultPage, pid: str) -> None:
    """Files picked with the move's choice of project open, and the project's form open."""
    if len(vault.call("listProjects")) < 2:
        vault.call("createProject", {"title": "Somewhere else"})
    vault.open(f"#/project/{pid}")
    vault.page.locator(".asset-card img").first.wait_for()
    vault.page.click("#pick-all")
    vault.page.click("#picked-move")
    vault.page.locator("#move-to").wait_for()
    vault.page.click("#edit-project")
    vault.page.locator("#picked-count").filter(has_text="selected").wait_for()


def test_every_route_fits_a_phone_screen_360_px_wide(vault, seeded, browser_name):
    """Nothing wider than the screen (no sideways scrolling). Screenshots go to test-results/ for
    a person to look at; they are not compared."""
    pid, image, lost, sound = seeded
    vault.page.set_viewport_size({"width": 360, "height": 740})
    out = ROOT / "test-results"
    out.mkdir(exist_ok=True)
    routes = [("projects", "#/", ".project-card"), ("project", f"#/project/{pid}", ".asset-card img"),
              ("viewer", f"#/asset/{image}", "#viewer-media"), ("viewer-audio", f"#/asset/{sound}", "audio#viewer-media"),
              ("viewer-missing", f"#/asset/{lost}", "#viewer-missing"), ("status", "#/status/a1,b2", ".file-card"),
              ("search", "#/search?q=dawn", ".result-group")]
    wide = {}
    for name, route, ready in routes:
        vault.open(route)
        vault.page.locator(ready).first.wait_for()
        vault.page.wait_for_timeout(300)
        vault.page.screenshot(path=str(out / f"narrow-{browser_name}-{name}.png"), full_page=True)
        width = vault.page.evaluate("() => document.documentElement.scrollWidth")
        if width > 360:
            wide[name] = width
    organise(vault, pid)
    vault.page.screenshot(path=str(out / f"narrow-{browser_name}-organising.png"), full_page=True)
    if (width := vault.page.evaluate("() => document.documentElement.scrollWidth")) > 360:
        wide["organising"] = width
    assert wide == {}
