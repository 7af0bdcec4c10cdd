"""Deploying a new version while a vault tab is open: no tab ever runs a mix of two versions."""

import shutil
import subprocess
import sys
import time

from playwright.sync_api import expect

from tests.e2e.server import ROOT, Server
from tests.e2e.test_snapshot import FROM, STATE, wait_for_snapshot
from tests.e2e.vault_page import VaultPage, sha256
from tests.media import data_url, image_bytes

NEW_VERSION = "9.9.9-update-test"


def deploy_copy(dest):
    """The served tree as a deployment would have it, with its own serve.py and build step."""
    for name in ("index.html", "pyscript.toml", "serve.py"):
        shutil.copy(ROOT / name, dest / name)
    for name in ("app", "static", "tools"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    (dest / "node_modules").symlink_to(ROOT / "node_modules")


def deploy_new_version(dest):
    init = dest / "app" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', f'__version__ = "{NEW_VERSION}"  # was "', 1))
    index = dest / "index.html"
    index.write_text(index.read_text().replace("<head>", '<head>\n<meta name="deployment" content="second">', 1))
    subprocess.run([sys.executable, str(dest / "tools" / "build.py")], check=True, capture_output=True)


def version_and_marker(vault: VaultPage):
    return (vault.call("version"),
            vault.page.evaluate("() => document.querySelector('meta[name=deployment]')?.content ?? null"))


def test_an_open_tab_keeps_its_version_until_every_tab_closes(browser, tmp_path):
    deploy_copy(tmp_path)
    server = Server(tmp_path)
    context = browser.new_context()
    try:
        first = VaultPage(context.new_page(), server.url).open()
        old_version = first.call("version")
        assert old_version != NEW_VERSION
        pid = first.call("createProject", {"title": "Across versions"})
        png = image_bytes("PNG", (120, 90), seed=4)
        ref = first.call("saveDataUrl", pid, data_url(png, "image/png"))
        first.page.evaluate("async () => { await navigator.serviceWorker.ready; }")
        first.reload()
        assert first.page.evaluate("() => !!navigator.serviceWorker.controller")
        # This version's start-up snapshot, kept with its files.
        wait_for_snapshot(first)
        first.reload()
        assert first.page.evaluate(STATE) == "snapshot"
        old_cache = first.page.evaluate("() => window.__assetVaultSnapshot.where.cache")

        deploy_new_version(tmp_path)
        first.page.evaluate("async () => { await (await navigator.serviceWorker.getRegistration()).update(); }")
        expect(first.notice("warn")).to_contain_text("A new version of the vault is ready")
        # A reload while the tab is open still gets the old version, whole: shell and modules.
        first.reload()
        assert version_and_marker(first) == (old_version, None)
        assert first.page.evaluate(STATE) == "snapshot"
        assert first.blob_sha256(ref) == sha256(png)
        first.page.close()

        # With every old tab closed the new version takes over, whole, and the data is still there.
        for _ in range(20):
            second = VaultPage(context.new_page(), server.url).open()
            if version_and_marker(second) != (old_version, None):
                break
            second.page.close()  # the new worker was still activating
            time.sleep(0.25)
        assert version_and_marker(second) == (NEW_VERSION, "second")
        # The new version never starts from the old one's snapshot, which went with its files:
        # from its own build's.
        assert second.page.evaluate(STATE) == "snapshot"
        assert second.page.evaluate(FROM) == "build"
        assert old_cache not in second.page.evaluate("() => caches.keys()")
        assert second.blob_sha256(ref) == sha256(png)
        assert [p["id"] for p in second.call("listProjects")] == [pid]
    finally:
        context.close()
        server.stop()
