"""Page object for the vault: bridge calls, navigation, and checks built on locators."""

from __future__ import annotations

import base64
import hashlib

from playwright.sync_api import Page

READY_TIMEOUT_MS = 60_000

# Over WebDriver BiDi, Firefox's own console reports of a refused request come to Playwright as
# page errors: a CORS refusal the vault explains in words, a worker script the vault falls back
# from. They are the browser's notes on requests the app handles, not exceptions in the page.
BROWSER_REPORTS = ("The Same Origin Policy disallows reading the remote resource",
                   "was blocked because of a disallowed MIME type")


def page_errors(page: Page) -> list[str]:
    """The uncaught errors of ``page`` from now on (a list that fills as they happen)."""
    errors: list[str] = []

    def seen(err) -> None:
        if not any(report in str(err) for report in BROWSER_REPORTS):
            errors.append(str(err))

    page.on("pageerror", seen)
    return errors


def copied_text(page: Page) -> str:
    """What the page put on the clipboard, pasted as a person would (Ctrl+V into a field): no
    clipboard-read permission, which Firefox does not have."""
    page.evaluate("""() => { const t = document.createElement("textarea"); t.id = "__paste";
                             document.body.append(t); t.focus(); }""")
    page.keyboard.press("ControlOrMeta+V")
    return page.evaluate("""() => { const t = document.getElementById("__paste"); t.remove();
                                    return t.value; }""")


class VaultPage:
    def __init__(self, page: Page, url: str):
        self.page = page
        self.url = url

    def open(self, route: str = "") -> "VaultPage":
        self.page.goto(self.url + route)
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        """Waits on the public contract, window.assetVaultReady, as a host app does: a page that
        drew but lost the promise (or rejected it) fails here."""
        outcome = self.ready_outcome()
        assert outcome == "ready", f"window.assetVaultReady did not resolve to the bridge: {outcome}"
        state = self.page.evaluate("""() => new Promise((resolve) => {
            const until = Date.now() + 5000;
            const look = () => document.body.dataset.state === "ready" || Date.now() > until
              ? resolve(document.body.dataset.state) : setTimeout(look, 20);
            look(); })""")
        assert state == "ready", f"the page says {state!r} after window.assetVaultReady resolved"

    def ready_outcome(self) -> str:
        """'ready', or what went wrong: no promise, a rejection (its name and message), a time-out."""
        return self.page.evaluate(
            """(ms) => {
                 if (!(window.assetVaultReady instanceof Promise)) return "window.assetVaultReady is missing";
                 const late = new Promise((resolve) => setTimeout(() => resolve("timed out"), ms));
                 return Promise.race([late, window.assetVaultReady.then(
                   (api) => api === window.assetVault && typeof api.saveBlob === "function" ? "ready" : "resolved to something else",
                   (e) => `rejected: ${e.name}: ${e.message}`)]);
               }""", READY_TIMEOUT_MS)

    def reload(self) -> None:
        self.page.reload()
        self.wait_ready()

    def call(self, method: str, *args):
        """window.assetVault[method](...args); returns the value or {"error": {name, message}}."""
        return self.page.evaluate(
            """async ([method, args]) => {
                 try { return await window.assetVault[method](...args); }
                 catch (e) { return {error: {name: e.name, message: e.message, isError: e instanceof Error}}; }
               }""", [method, list(args)])

    def calls(self, *calls: tuple):
        """Many bridge calls issued in one go (as a host app's burst); each result or {"error"}."""
        return self.page.evaluate(
            """async (calls) => (await Promise.allSettled(calls.map(([m, ...args]) => window.assetVault[m](...args))))
                 .map((r) => r.status === "fulfilled" ? r.value : {error: {name: r.reason.name, message: r.reason.message}})""",
            [list(c) for c in calls])

    def save_blobs(self, saves: list[tuple[str, bytes, str]]):
        """saveBlob for each (projectId, bytes, mime), all issued in one go; each ref or {"error"}."""
        return self.page.evaluate(
            """async (saves) => (await Promise.allSettled(saves.map(([pid, b64, mime]) =>
                 window.assetVault.saveBlob(pid, new Blob([Uint8Array.from(atob(b64), c => c.charCodeAt(0))], {type: mime})))))
                 .map((r) => r.status === "fulfilled" ? r.value : {error: {name: r.reason.name, message: r.reason.message}})""",
            [[pid, base64.b64encode(data).decode(), mime] for pid, data, mime in saves])

    def stored_keys(self) -> dict:
        """The keys of the vault's IndexedDB stores, read directly (not through the vault)."""
        return self.page.evaluate(
            """() => new Promise((resolve, reject) => {
                 const open = indexedDB.open("asset-vault");
                 open.onerror = () => reject(open.error);
                 open.onsuccess = () => {
                   const db = open.result, tx = db.transaction(["assets", "blobs"]), out = {};
                   for (const name of ["assets", "blobs"]) tx.objectStore(name).getAllKeys().onsuccess = (e) => { out[name] = e.target.result; };
                   tx.oncomplete = () => { db.close(); resolve(out); };
                 };
               })""")

    def delete_stored_blob(self, ref: str) -> None:
        """Remove an asset's Blob from IndexedDB behind the vault's back (eviction, a placeholder)."""
        self.page.evaluate("""(ref) => new Promise((resolve, reject) => {
            const open = indexedDB.open("asset-vault");
            open.onsuccess = () => {
              const tx = open.result.transaction("blobs", "readwrite");
              tx.objectStore("blobs").delete(ref);
              tx.oncomplete = () => { open.result.close(); resolve(); };
              tx.onerror = () => reject(tx.error);
            };
          })""", ref)

    def save_bytes(self, project_id: str, data: bytes, mime: str = "", options: dict | None = None):
        return self.page.evaluate(
            """async ([pid, b64, mime, options]) => {
                 const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
                 try { return await window.assetVault.saveBlob(pid, new Blob([bytes], {type: mime}), options); }
                 catch (e) { return {error: {name: e.name, message: e.message, isError: e instanceof Error}}; }
               }""", [project_id, base64.b64encode(data).decode(), mime, options or {}])

    def blob_sha256(self, ref: str) -> str | None:
        return self.page.evaluate(
            """async (ref) => {
                 const blob = await window.assetVault.getBlob(ref);
                 if (!blob) return null;
                 const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
                 return [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, "0")).join("");
               }""", ref)

    def local_storage_bytes(self) -> int:
        return self.page.evaluate(
            "() => { let n = 0; for (let i = 0; i < localStorage.length; i++) {"
            " const k = localStorage.key(i); n += k.length + localStorage.getItem(k).length; } return n; }")

    def wait_thumbnails(self, project_id: str, count: int) -> None:
        # Polled from Python: the app's CSP blocks Playwright's string predicates.
        for _ in range(100):
            metas = self.call("listAssets", project_id)
            if sum(1 for m in metas if m["role"] != "thumbnail" and m["thumbnailRef"]) >= count:
                return
            self.page.wait_for_timeout(100)
        raise AssertionError(f"{count} thumbnails were not made in 10 s")

    def notice(self, level: str):
        return self.page.locator(f".notice.{level} .notice-text")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
