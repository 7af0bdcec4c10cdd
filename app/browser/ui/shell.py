"""The page shell: header with the storage bar, a notice area, and the hash router.

Routes (a contract): ``#/`` projects, ``#/project/<projectId>``, ``#/asset/<ref>`` (one asset, full
size), ``#/search`` (across projects), ``#/status/<id1,id2,...>`` and ``#/file/<fileId>``. A list's
sort, filters and search ride in the route's query (``#/project/<id>?q=fox&sort=-size``), so a view
can be shared and survives a reload. Any other route says it is unknown and links home.
"""

from __future__ import annotations

import asyncio
import time
import traceback

import js

from app.core import fmt
from app.core.changes import Change
from app.core.errors import VaultError
from app.core.model import THUMBNAIL_ROLE

from .dom import Scope, append, by_id, clear, h, keep_focus
from .presses import PRESSES, Held, pause

# A burst of writes (40 saves from a host app) redraws once, after it: each redraw reads every
# asset's metadata and asks for a storage estimate, and doing that between the writes made the
# burst 3-4 times slower. A long burst still redraws every MAX_WAIT.
QUIET_S = 0.1
FACETS = {"vault": ("marks",)}  # parts of a service's door that views call: held too
MAX_WAIT_S = 1.0
NOTICE_S = 6.0  # how long an information notice stays


class Shell:
    """The views meet the vault, the bridge, the tracker, the backup and the snapshot through
    ``Held`` proxies (presses.py): a redraw never lands while a pointer is pressed."""

    vault = property(lambda self: self._held["vault"], lambda self, v: self._hold("vault", v))
    bridge = property(lambda self: self._held["bridge"], lambda self, v: self._hold("bridge", v))
    tracker = property(lambda self: self._held["tracker"], lambda self, v: self._hold("tracker", v))
    backup = property(lambda self: self._held["backup"], lambda self, v: self._hold("backup", v))
    snapshot = property(lambda self: self._held["snapshot"], lambda self, v: self._hold("snapshot", v))

    def __init__(self, vault, refs, bridge):
        self._held: dict = {}
        self.vault = vault
        self.refs = refs
        self.bridge = bridge
        self.tracker = None  # set by main: generation status
        self.poller = None
        self.backup = None  # set by main: the backup service
        self.backup_panel = None  # set by main: lives as long as the page, shown on #/
        self.snapshot = None  # set by main: the start-up snapshot
        self.view = None
        self._leaving: list = []  # views routed away from whose tree still shows
        self._render_task = None
        self._scope = Scope()
        self._usage_scope = Scope()
        self._changes: list = []
        self._ordered = None  # ((projectId, query), assets): the last list shown, for the viewer's steps
        self.doomed: set[str] = set()  # refs deleted with Undo offered: hidden now, deleted when it ends
        self._changed_at = 0.0
        self._redraw_task = None

    def _hold(self, name: str, value) -> None:
        self._held[name] = (value if value is None or isinstance(value, Held)
                            else Held(value, facets=FACETS.get(name, ())))

    def start(self) -> None:
        PRESSES.install(js.window)
        root = by_id("app")
        clear(root)
        append(root,
               h("header", {"class": "top"},
                 h("a", {"href": "#/", "class": "brand"}, "Offline Asset Vault"),
                 h("div", {"id": "usage", "class": "usage"})),
               h("div", {"id": "notices", "class": "notices", "role": "status", "aria-live": "polite"}),
               h("div", {"id": "view"}))
        js.window.addEventListener("hashchange", self._scope.on(lambda _e: self.route()))
        if self.refs.problem:
            self.notify(self.refs.problem, "warn")
        self.route()
        self.refresh_usage()

    # -- routing --------------------------------------------------------------------------

    def route(self) -> None:
        from .asset_view import AssetView
        from .project_view import ProjectView
        from .projects_view import ProjectsView
        from .search_view import SearchView
        from .status_view import StatusView

        path = str(js.location.hash or "#/")[1:] or "/"
        path, _, query = path.partition("?")  # a list's sort, filters and search (app.core.browse)
        parts = [p for p in path.split("/") if p]
        if self.view is not None:
            # Disposed once the next view's tree replaces its own: until then (the next view
            # may wait on the network) its tree shows and a click on it must find live handlers.
            self._leaving.append(self.view)
        if not parts:
            self.view = ProjectsView(self)
        elif parts[0] == "project" and len(parts) == 2:
            self.view = ProjectView(self, _decoded(parts[1]), query)
        elif parts[0] == "asset" and len(parts) == 2:
            self.view = AssetView(self, _decoded(parts[1]), query)
        elif parts == ["search"]:
            self.view = SearchView(self, query)
        elif path.startswith("/status/") or path == "/status":
            self.view = StatusView(self, _decoded(path[len("/status/"):]))
        elif path.startswith("/file/"):
            self.view = StatusView(self, _decoded(path[len("/file/"):]), single=True)
        else:
            self.view = UnknownView(path)
        self.render()

    def render(self) -> None:
        if self._render_task is not None and not self._render_task.done():
            self._render_task.cancel()
        self._render_task = asyncio.ensure_future(self._render(self.view))

    async def _render(self, view) -> None:
        container = by_id("view")
        focused = keep_focus(container)
        try:
            node = await view.render()
            await PRESSES.settled()
        except asyncio.CancelledError:
            raise
        except Exception as err:
            self.report(err)
            return
        if view is self.view and getattr(view, "renaming", False):
            # Rename was clicked on the tree this redraw would replace (it was made meanwhile):
            # the field being typed in stays, and the view is drawn again when it closes.
            view.stale = True
            return
        if view is self.view and not (container.childNodes.length == 1 and node.isSameNode(container.firstChild)):
            clear(container)  # a view that keeps its tree (and the node under the pointer) is left in place
            append(container, node)
            focused()
        if view is self.view:
            leaving, self._leaving = self._leaving, []
            for old in leaving:
                old.dispose()

    def changed(self, change: Change) -> None:
        """The vault's change stream: redraw what shows the change, soon; the Backup panel hears
        the backup's progress."""
        if not isinstance(change, Change):
            raise TypeError(f"Shell.changed takes a Change, not {type(change).__name__}")
        if change.type == "status":
            if self.backup_panel is not None:
                self.backup_panel.refresh()
            return
        if change.type == "checksum":
            return
        self._changes.append(change)
        self._changed_at = time.monotonic()
        if change.type in ("asset", "project", "store"):
            self._ordered = None
        if self._redraw_task is None or self._redraw_task.done():
            self._redraw_task = asyncio.ensure_future(self._redraw_when_quiet())

    async def _redraw_when_quiet(self) -> None:
        first = time.monotonic()
        while True:
            await pause(QUIET_S)
            now = time.monotonic()
            if now - first >= MAX_WAIT_S or (now - self._changed_at >= QUIET_S and not self.vault.busy):
                break
        changes, self._changes = self._changes, []
        view = self.view
        relevant = [c for c in changes if view is not None and view.shows(c)]
        if relevant:
            if hasattr(view, "apply"):
                self.run(self._apply(view, relevant))
            else:
                self.render()
        self.refresh_usage()

    def remember_order(self, project_id: str, spec, shown: list[dict]) -> None:
        """The list a project view shows: the viewer opened from it steps through the same."""
        self._ordered = ((project_id, spec.query()), shown)

    async def ordered(self, project_id: str, spec) -> list[dict]:
        """A project's assets as the list with ``spec`` shows them (previews are not listed)."""
        key = (project_id, spec.query())
        if self._ordered is None or self._ordered[0] != key:
            metas = [m for m in await self.vault.list_assets(project_id) if m["role"] != THUMBNAIL_ROLE]
            self._ordered = (key, spec.apply(metas))
        return self._ordered[1]

    async def _apply(self, view, changes: list) -> None:
        if not await view.apply(changes) and view is self.view:
            self.render()

    def storage_lost(self) -> None:
        """The browser deleted the vault's database under us (site data cleared, eviction); the
        store has reopened it, empty."""
        self.vault.background.drop()
        self.notify("The browser removed the vault's stored data (site data was cleared or storage was "
                    "evicted). Media saved before is gone from this browser unless you exported it; the "
                    "vault keeps working and new media is stored as usual.", "error")
        self.vault.announce(Change("store", "cleared"))

    # -- notices --------------------------------------------------------------------------

    def notify(self, message: str, level: str = "info", details: str | None = None, action=None) -> None:
        """``action``: (label, fn) for a button in the notice (Undo), which it closes."""
        box = by_id("notices")
        for shown in box.querySelectorAll(".notice-text"):
            if shown.textContent == message:
                if level != "info":  # the same failure again (a redraw hit it): say it once
                    return
                shown.parentNode.remove()  # the same news again: its own full time, not the rest of the last's
        notice = h("div", {"class": f"notice {level}", "role": "alert" if level == "error" else None},
                   h("span", {"class": "notice-text"}, message))
        if details:  # for a bug report: the traceback goes to the clipboard, never into the page
            copy = h("button", {"class": "small"}, "Copy details")
            copy.addEventListener("click", self._scope.on(lambda _e: self._copy_details(copy, details)))
            notice.appendChild(copy)
        if action is not None:
            label, act = action
            button = h("button", {"class": "small notice-action"}, label)

            def acted(_event):
                notice.remove()
                act()
            button.addEventListener("click", self._scope.on(acted))
            notice.appendChild(button)
        close = h("button", {"class": "link", "aria-label": "Dismiss"}, "×")
        proxy = self._scope.on(lambda _e: notice.remove())
        close.addEventListener("click", proxy)
        notice.appendChild(close)
        box.appendChild(notice)
        if level == "info":
            self.run(self._expire(notice))

    @staticmethod
    async def _expire(notice) -> None:
        await pause(NOTICE_S)  # the notices below it move up: not under a press
        notice.remove()

    def _copy_details(self, button, details: str) -> None:
        async def copy():
            try:
                await js.navigator.clipboard.writeText(details)
                button.textContent = "Copied"
            except Exception:
                button.textContent = "Copy blocked: see the console"
        self.run(copy())

    def report(self, err: BaseException) -> None:
        if isinstance(err, VaultError):
            self.notify(str(err), "error")
        else:
            details = "".join(traceback.format_exception(err))
            print(details)
            self.notify(f"Something went wrong: {err}. Your stored media is unchanged.", "error", details)

    def run(self, coro) -> None:
        """Run a page action; its failure becomes a notice, not a console trace."""
        async def guarded():
            try:
                await coro
            except Exception as err:
                self.report(err)
        asyncio.ensure_future(guarded())

    # -- storage bar ----------------------------------------------------------------------

    def refresh_usage(self) -> None:
        self.run(self._draw_usage())

    async def _draw_usage(self) -> None:
        info = await self.bridge.usage()
        box = by_id("usage")
        self._usage_scope.dispose()
        clear(box)
        if info["quota"] is None:  # the browser does not tell (WebKit): say so, not "0 of 0"
            append(box, h("span", {"class": "usage-text"}, "Storage used: unknown (this browser does not tell)"))
        else:
            percent = min(100.0, 100.0 * info["usage"] / (info["quota"] or 1))
            append(box, h("progress", {"max": "100", "value": f"{percent:.1f}", "aria-label": "Storage used"}),
                   h("span", {"class": "usage-text"}, f"{fmt.size(info['usage'])} of {fmt.size(info['quota'])} used"))
        if info["persisted"] is not None:
            append(box, h("span", {"class": "badge ok" if info["persisted"] else "badge"},
                          "persistent" if info["persisted"] else "may be evicted"))
            if not info["persisted"]:
                append(box, h("button", {"class": "small", "onclick": self._usage_scope.on(self._ask_persist)},
                              "Keep my data"))
        await self._draw_snapshot(box)

    async def _draw_snapshot(self, box) -> None:
        """The start-up snapshot's share of the storage above, and the way to free it."""
        snapshot = self.snapshot
        if snapshot is None or not snapshot.available:
            return
        if snapshot.mode == "off":
            text, label, action = "fast start off", "Turn on", self._snapshot_on
        else:
            size = await snapshot.size()
            if not size:
                return
            text, label, action = f"fast start {fmt.size(size)}", "Turn off", self._snapshot_off
        append(box, h("span", {"class": "badge", "id": "snapshot-state",
                               "title": "A ready-made copy of the started app, so the vault opens faster"}, text),
               h("button", {"class": "small", "id": "snapshot-toggle",
                            "onclick": self._usage_scope.on(lambda _e: action())}, label))

    def _snapshot_off(self) -> None:
        async def off():
            await self.snapshot.turn_off()
            self.notify("Fast start is off: its copy of the app was deleted, and the vault starts "
                        "without one in this browser.")
            self.refresh_usage()
        self.run(off())

    def _snapshot_on(self) -> None:
        self.snapshot.turn_on()
        self.notify("Fast start is on: the next visit prepares it, and later visits open faster.")
        self.refresh_usage()

    def _ask_persist(self, _event) -> None:
        async def ask():
            granted = await self.bridge.request_persist()
            if granted:
                self.notify("The browser will keep the vault's data when space runs low.")
            else:
                self.notify("The browser declined to make storage persistent. Export important projects "
                            "to keep copies.", "warn")
            self.refresh_usage()
        self.run(ask())


def _decoded(text: str) -> str:
    try:
        return str(js.decodeURIComponent(text))
    except Exception:  # a malformed %-sequence: show it as typed
        return text


class UnknownView:
    def __init__(self, path: str):
        self.path = path

    def shows(self, change: Change) -> bool:
        return False

    def dispose(self) -> None:
        pass

    async def render(self):
        return h("section", {"class": "empty"},
                 h("h1", None, "Page not found"),
                 h("p", None, "There is no page at ", h("code", None, self.path), "."),
                 h("a", {"href": "#/"}, "Back to your projects"))
