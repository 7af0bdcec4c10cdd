"""Opening the database: the schema's versions (app/core/schema.py) applied in the upgrade
transaction, and a refused open (private windows, blocked site data) told in words."""

from __future__ import annotations

import asyncio

import js
from pyodide.ffi import create_proxy

from app.core.errors import StorageUnavailableError
from app.core.rules import totals
from app.core.schema import DB_VERSION, MIGRATIONS

from ..jsconv import DomError, settle, to_js_record, to_py_record
from ..tx_end import ended


STORES = tuple(step["store"] for _, steps in MIGRATIONS for step in steps if step["op"] == "createStore")

BLOCKED = ("The vault keeps your media in this browser's own storage, and the browser does not allow "
           "that here. Private windows and settings that block site data do this: open the vault in a "
           "normal window, or allow this site to store data, then reload.")


async def open_db(name: str):
    try:
        request = js.indexedDB.open(name, DB_VERSION)
    except Exception as err:
        raise StorageUnavailableError(f"{BLOCKED} (IndexedDB: {err})") from None

    kept: list = []  # callbacks the upgrade transaction may still call

    def upgrade(event):
        db, tx = request.result, request.transaction
        for version, steps in MIGRATIONS:
            if event.oldVersion < version:
                for step in steps:
                    kept.extend(apply_step(db, tx, step))

    upgrade_proxy = create_proxy(upgrade)
    request.onupgradeneeded = upgrade_proxy
    try:
        return await settle(request)
    except DomError as err:
        raise StorageUnavailableError(f"{BLOCKED} ({err.name}: {err.message})") from None
    finally:
        request.onupgradeneeded = None
        for proxy in [upgrade_proxy, *kept]:
            proxy.destroy()


async def answering_db(name: str, wait_s: float = 5):
    """A new connection whose stores answer a read within ``wait_s`` (TimeoutError if not)."""
    db = await open_db(name)
    try:
        probe = db.transaction(js.Array.of(*STORES), "readonly")
        probe.objectStore("projects").count()
        await asyncio.wait_for(ended(probe, lambda _tx: None), wait_s)
    except BaseException:
        db.close()
        raise
    return db


def apply_step(db, tx, step: dict) -> list:
    """One migration step inside the upgrade transaction; returns the proxies it left waiting."""
    op = step["op"]
    if op == "countAssets":
        return count_assets(tx)
    if op == "markPending":
        return mark_pending(tx)
    if op == "createStore":
        options = {"keyPath": step["keyPath"]} if step.get("keyPath") else {}
        db.createObjectStore(step["store"], to_js_record(options))
    elif op == "createIndex":
        tx.objectStore(step["store"]).createIndex(step["index"], to_js_record(step["keyPath"]))
    elif op == "deleteIndex":
        tx.objectStore(step["store"]).deleteIndex(step["index"])
    else:
        raise ValueError(f"unknown migration step {op!r}")
    return []


def count_assets(tx) -> list:
    projects, assets = tx.objectStore("projects"), tx.objectStore("assets")
    counted: dict = {}

    def got_assets(event):
        counted.update(totals(to_py_record(event.target.result) or []))
        projects.getAll().onsuccess = on_projects

    def got_projects(event):
        for project in to_py_record(event.target.result) or []:
            count, size = counted.get(project["id"], (0, 0))
            projects.put(to_js_record(dict(project, assetCount=count, bytes=size)))

    on_assets, on_projects = create_proxy(got_assets), create_proxy(got_projects)
    assets.getAll().onsuccess = on_assets
    return [on_assets, on_projects]


def mark_pending(tx) -> list:
    """Marks every record that may be owed a checksum or a preview (a superset: the first resume
    unmarks those that need nothing, e.g. audio and files no browser can decode)."""
    assets = tx.objectStore("assets")

    def got(event):
        for meta in to_py_record(event.target.result) or []:
            if meta["crc32"] is None or (not meta.get("thumbnailRef") and meta["role"] != "thumbnail"):
                assets.put(to_js_record(dict(meta, pending=1)))

    on_assets = create_proxy(got)
    assets.getAll().onsuccess = on_assets
    return [on_assets]
