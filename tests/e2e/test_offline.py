"""Offline: after one online visit the vault starts with the server stopped, through its public
contract (window.assetVaultReady), and the precache holds every file a visit loads."""

import json
import re

from tests.e2e.server import ROOT, Server
from tests.e2e.vault_page import VaultPage, page_errors, sha256
from tests.media import data_url, image_bytes


def precached() -> set[str]:
    text = (ROOT / "static" / "vendor" / "precache-manifest.js").read_text()
    return set(json.loads(re.search(r"self\.PRECACHE = (\{.*\});", text, re.S).group(1))["files"])


def test_a_first_visit_then_the_server_stopped_still_resolves_assetvaultready(browser):
    own = Server()  # this test stops its server
    context = browser.new_context()
    page = context.new_page()
    errors = page_errors(page)
    try:
        vault = VaultPage(page, own.url).open()  # one online visit, nothing else
        pid = vault.call("createProject", {"title": "Offline"})
        png = image_bytes("PNG", (300, 200), seed=8)
        ref = vault.call("saveDataUrl", pid, data_url(png, "image/png"))
        page.evaluate("async () => { await navigator.serviceWorker.ready; }")  # installed: precached
    finally:
        own.stop()
    try:
        page.reload()
        vault.wait_ready()  # the public contract, not a marker in the page
        assert page.evaluate("() => !!navigator.serviceWorker.controller")
        assert vault.call("version")
        vault.open(f"#/project/{pid}")
        card = page.locator(f".asset-card[data-ref='{ref}'] img")
        card.wait_for()
        assert card.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
        assert vault.blob_sha256(ref) == sha256(png)
        vault.open(f"#/asset/{ref}")  # a viewer's deep link, offline and from a cold start
        full = page.locator("#viewer-media")
        full.wait_for()
        assert full.evaluate("img => img.decode().then(() => [img.naturalWidth, img.naturalHeight])") == [300, 200]
        assert "Traceback" not in page.inner_text("body")
        assert errors == []
    finally:
        context.close()


def test_every_file_a_visit_loads_is_precached(browser, server):
    """Fails when the page, PyScript or Pyodide loads a file the service worker would not have
    offline (as static/vault-ready.js once was)."""
    context = browser.new_context(service_workers="block")  # every request shows, none served from a cache
    page = context.new_page()
    loaded = set()

    def seen(request):
        url = request.url.split("#")[0].split("?")[0]
        if url.startswith(server.url) and "/api/" not in url:
            loaded.add(url[len(server.url):] or "./")

    context.on("request", seen)
    try:
        vault = VaultPage(page, server.url).open()
        pid = vault.call("createProject", {"title": "Every route"})
        vault.call("saveDataUrl", pid, data_url(image_bytes("PNG", (64, 64), seed=1), "image/png"))
        for route in (f"#/project/{pid}", "#/status/a1,b2", "#/file/a1", "#/nowhere", "#/"):
            vault.open(route)
        page.wait_for_timeout(500)
    finally:
        context.close()
    assert {"./", "static/vault-ready.js", "static/vendor/pyodide/pyodide.asm.wasm"} <= loaded
    # The build's start-up snapshot is kept by static/start.mjs itself, when there is room for it.
    missing = {f for f in loaded - precached() - {"static/sw.js"} if not re.fullmatch(r"static/vendor/snapshot-\w+\.bin", f)}
    assert missing == set(), f"loaded but not precached: {sorted(missing)}"
