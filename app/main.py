"""Composition root: opens the store, builds the vault, the page and window.assetVault."""

from __future__ import annotations

import asyncio
import random
import traceback

import js
import pyodide_js
from pyodide.ffi import create_proxy

from app.browser.blobs import BrowserBlobs
from app.browser.poller import Poller
from app.browser.provider import FetchProvider
from app.browser import weblock
from app.browser.s3 import S3Remote
from app.browser.snapshot import StartupSnapshot
from app.browser.bridge import Bridge
from app.browser.changes import ChangeRelay
from app.browser.idb import IdbStore
from app.browser.local_kv import LocalStorageKV
from app.browser.thumbnails import BrowserThumbnails
from app.browser.ui.backup_panel import BackupPanel
from app.browser.ui.shell import Shell
from app.core.backup.service import Backup
from app.core.errors import StorageUnavailableError, VaultError
from app.core.refs import AppStorage
from app.core.settings import Settings
from app.core.tracker import Tracker
from app.core.intake import MonotonicClock
from app.core.vault import Vault


async def boot() -> None:
    """Start the vault; a failure rejects window.assetVaultReady and is said in the page, in words
    (static/vault-ready.js draws it), never as a traceback."""
    try:
        await start()
    except VaultError as err:
        js.window.__assetVaultFail(err.name, str(err), None)
    except BaseException as err:
        js.window.__assetVaultFail("Error", f"The vault could not start: {err}. Reload the page; if it keeps "
                                   "failing, copy the details into a bug report.", traceback.format_exc())


async def start() -> None:
    # A start from the snapshot resumes the random state frozen in it: reseed from the OS.
    random.seed()
    store = await IdbStore.open()
    try:
        kv = LocalStorageKV()
    except StorageUnavailableError:
        kv = None
    refs = AppStorage(kv)
    vault = Vault(store, BrowserBlobs(), BrowserThumbnails(_worker_url('preview-worker')), MonotonicClock(js.Date.now))
    shell = Shell(vault, refs, None)
    tracker, poller, settings = _tracking(vault, refs, shell)
    backup = await _backup(vault)
    bridge = Bridge(vault, refs, kv, tracker=tracker, poller=poller, settings=settings, backup=backup)
    shell.bridge = bridge
    shell.backup, shell.backup_panel = backup, BackupPanel(shell, backup)
    shell.snapshot = StartupSnapshot()
    # The change stream's subscribers (the backup's, above): the poller drops another tab's stale
    # generation record before the page draws it; the relay tells window and other tabs.
    vault.subscribe(poller.changed)
    vault.subscribe(shell.changed)
    vault.subscribe(ChangeRelay(vault.announce).changed)
    store.on_version_change = lambda: shell.notify(
        "The vault was updated in another tab. Reload this page to keep working.", "error")
    store.on_storage_lost = shell.storage_lost
    _ready(bridge.build(), shell)
    poller.resume_all()
    shell.snapshot.schedule(bridge.usage, on_made=shell.refresh_usage)
    await vault.background.resume()


def _tracking(vault, refs, shell):
    """Generation status: the provider asked, the tracker and its poller, their settings."""
    settings = Settings(refs, vault.announce)
    provider = FetchProvider(lambda: settings.provider_url(default=str(js.location.origin)))
    tracker = Tracker(vault, refs, provider, lambda: int(js.Date.now()), random.Random())
    poller = Poller(tracker)
    shell.tracker, shell.poller, shell.settings = tracker, poller, settings
    return tracker, poller, settings


async def _backup(vault) -> Backup:
    backup = Backup(vault, BrowserBlobs(), S3Remote, lambda: int(js.Date.now()), asyncio.sleep, random.random,
                    lambda: bool(js.navigator.onLine), weblock.acquire)
    vault.subscribe(backup.changed)
    js.window.addEventListener("online", create_proxy(lambda _event: backup.wake()))
    await backup.start()
    return backup


def _ready(api, shell) -> None:
    """The bridge on window, the page drawn, and window.assetVaultReady resolved."""
    js.window.assetVault = api
    shell.start()
    js.document.body.dataset.state = "ready"
    js.performance.mark("assetVault:ready")  # for host apps' (and bench/'s) start-up timing
    js.window.__assetVaultSettle.resolve(api)
    # For bench/ only (not part of the bridge): the wasm heap, which never shrinks once grown.
    js.window.__assetVaultWasmBytes = create_proxy(lambda: int(pyodide_js._module.HEAPU8.length))
    _register_service_worker(shell)


def _worker_url(link_id: str) -> str | None:
    """A worker script index.html names in a <link> (so that it is precached and works offline)."""
    link = js.document.getElementById(link_id)
    return str(link.href) if link else None


def _register_service_worker(shell) -> None:
    container = getattr(js.navigator, "serviceWorker", None)
    if container is None:
        return

    def registered(registration):
        def found(_event):
            worker = registration.installing

            def state(_e):
                # A new version is installed and waiting; the running page keeps its own files.
                if worker.state == "installed" and container.controller:
                    shell.notify("A new version of the vault is ready. Close or reload every vault tab "
                                 "to use it.", "warn")
            worker.addEventListener("statechange", create_proxy(state))
        registration.addEventListener("updatefound", create_proxy(found))

    def failed(err):
        print(f"offline support unavailable: {err}")

    container.register("./static/sw.js", js.JSON.parse('{"scope": "./"}')).then(
        create_proxy(registered), create_proxy(failed))
