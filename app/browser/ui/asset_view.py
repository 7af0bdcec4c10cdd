"""One asset, full size: ``#/asset/<ref>``.

The media at its natural size or fitted to the window (images), or with its player (video,
audio); what it is (type, size, dates, dimensions); and the params it was made with, as a table.
The arrow keys step to the previous and next asset of its project, in the grid's order, and
Escape goes back to the project with the card in focus. The route is a plain hash link, so it
survives a reload and works offline like every other page.
"""

from __future__ import annotations

import math

import js

from app.core import fmt
from app.core.browse import Browse
from app.core.changes import RECORD_TYPES, Change
from app.core.errors import InvalidInputError, NotFoundError

from ..jsconv import to_js_record
from .dom import Scope, h, morph

KINDS = {"image": "Image", "video": "Video", "audio": "Audio"}
ACCEPT = {"image": "image/*", "video": "video/*", "audio": "audio/*"}
FOCUS_KEY = "assetVault:focus"  # sessionStorage: the card to focus when the grid shows again
REGENERATE = "assetvault:regenerate"  # the event asking a host app to make a lost file again (a contract)


def asset_link(ref: str, query: str = "") -> str:
    """The viewer's route; ``query`` (a Browse's) makes previous/next follow that list."""
    return f"#/asset/{js.encodeURIComponent(ref)}" + (f"?{query}" if query else "")


class AssetView:
    def __init__(self, shell, ref: str, query: str = ""):
        self.shell = shell
        self.ref = ref
        self.spec = Browse.from_query(query)  # the list it was opened from: previous/next follow it
        self.project_id = None
        self.steps: dict[str, str] = {}  # key -> route: ArrowLeft, ArrowRight, Escape
        self.nav = None
        self.renaming = False
        self.stale = False  # changed while renaming: drawn again when the rename ends
        self.scope = Scope()
        self.scope.listen(js.window, "keydown", self._key)

    def shows(self, change: Change) -> bool:
        return change.type in RECORD_TYPES and change.concerns(self.project_id)

    async def apply(self, changes: list) -> bool:
        """Only a change to this asset itself redraws it (a redraw would restart a playing video);
        other changes in its project (a burst of new frames) update the previous/next links."""
        if any(c.type == "store" or (c.type == "asset" and c.ref == self.ref) for c in changes):
            if self.renaming:  # a redraw would take the name being typed away: after it
                self.stale = True
                return True
            return False
        if self.nav is not None and any(c.type == "asset" for c in changes):
            try:
                fresh = self._nav(*await self._neighbours())
            except NotFoundError:  # its project went meanwhile
                return False
            self.nav = morph(self.nav, fresh)  # links only: unchanged ones stay the nodes they are
        return True

    def dispose(self) -> None:
        self.scope.dispose()

    async def render(self):
        self.stale = False
        vault = self.shell.vault
        try:
            meta = await vault.get_meta(self.ref)
        except InvalidInputError:
            meta = None
        if meta is None:
            return h("section", {"class": "empty"}, h("h1", None, "File not found"),
                     h("p", None, "There is no file ", h("code", None, self.ref),
                       " in this browser's vault: it may have been deleted."),
                     h("a", {"href": "#/"}, "Back to your projects"))
        self.project_id = meta["projectId"]
        before, after = await self._neighbours()
        blob = await vault.get_blob(self.ref)
        backup = self.shell.backup
        if blob is None and backup is not None and meta.get("backup") == "uploaded":
            blob = await backup.recover(meta)  # the backup holds the bytes this browser lost
        remember_focus(self.ref)  # back in the grid, the card just looked at takes the focus
        details = h("dl", {"class": "facts"})
        self.nav = self._nav(before, after)
        return h("section", {"class": "viewer", "aria-label": meta["name"]},
                 self.nav,
                 self._title(meta),
                 h("figure", {"class": "stage"}, self._media(meta, blob, details)),
                 self._facts(meta, details),
                 _params(meta["params"]))

    async def _neighbours(self) -> tuple[dict | None, dict | None]:
        shown = await self.shell.ordered(self.project_id, self.spec)
        at = next((i for i, m in enumerate(shown) if m["ref"] == self.ref), None)
        if at is None:  # not in that list (filtered out by a rename meanwhile): no steps
            return None, None
        return shown[at - 1] if at > 0 else None, shown[at + 1] if at + 1 < len(shown) else None

    def _nav(self, before: dict | None, after: dict | None):
        query = self.spec.query()
        back = f"#/project/{js.encodeURIComponent(self.project_id)}" + (f"?{query}" if query else "")
        self.steps = {"ArrowLeft": before and asset_link(before["ref"], query),
                      "ArrowRight": after and asset_link(after["ref"], query), "Escape": back}
        return h("nav", {"class": "viewer-nav"},
                 h("a", {"href": back, "id": "viewer-back", "aria-keyshortcuts": "Escape"}, "← Project"),
                 _step("viewer-prev", "← Previous", self.steps["ArrowLeft"], before, "ArrowLeft"),
                 _step("viewer-next", "Next →", self.steps["ArrowRight"], after, "ArrowRight"))

    def _media(self, meta: dict, blob, details):
        name = meta["name"]
        if blob is None:
            return h("div", {"class": "missing", "id": "viewer-missing"},
                     h("strong", None, "File missing"),
                     h("span", None, "The stored bytes are gone; the params below can make it again."),
                     h("div", {"class": "actions"},
                       h("button", {"class": "small", "id": "viewer-restore",
                                    "onclick": self.scope.on(lambda _e: self._restore(meta))},
                         "Restore from backup") if can_restore(self.shell, meta) else None,
                       h("button", {"class": "small", "id": "viewer-regenerate",
                                    "onclick": self.scope.on(lambda _e: ask_regenerate(self.shell, meta))}, "Regenerate"),
                       h("button", {"class": "small", "id": "viewer-replace",
                                    "onclick": self.scope.on(lambda _e: replace_from_file(self.shell, self.scope, meta))},
                         "Replace with a file…")))
        url = self.scope.object_url(blob)
        if meta["kind"] == "image":
            img = h("img", {"src": url, "alt": name, "class": "fit", "id": "viewer-media"})
            toggle = h("button", {"class": "small", "id": "viewer-size", "aria-pressed": "false"}, "Actual size")

            def flip(_event):
                fitted = img.classList.toggle("fit")
                toggle.textContent = "Actual size" if fitted else "Fit to window"
                toggle.setAttribute("aria-pressed", "false" if fitted else "true")
            self.scope.listen(toggle, "click", flip)
            self.scope.listen(img, "load", lambda _e: _fact(details, "Dimensions", f"{img.naturalWidth} × {img.naturalHeight} px"))
            # At natural size the frame scrolls: focusable, so the keyboard can scroll it too.
            return h("div", None, h("div", {"class": "frame", "tabindex": "0", "role": "region",
                                            "aria-label": f"{name}, full size"}, img), toggle)
        player = h(meta["kind"] if meta["kind"] in ("video", "audio") else "audio",
                   {"src": url, "controls": True, "preload": "metadata", "aria-label": name, "id": "viewer-media"})

        def measured(_event):
            if meta["kind"] == "video" and player.videoWidth:
                _fact(details, "Dimensions", f"{player.videoWidth} × {player.videoHeight} px")
            if math.isfinite(player.duration):
                _fact(details, "Duration", f"{player.duration:.1f} s")
        self.scope.listen(player, "loadedmetadata", measured)
        return h("div", {"class": "frame player"}, player)

    def _title(self, meta: dict):
        title = h("h1", None, meta["name"])
        rename = h("button", {"class": "small", "id": "viewer-rename"}, "Rename")
        head = h("div", {"class": "viewer-title"}, title, rename)
        self.scope.listen(rename, "click", lambda _event: self._rename(meta, head, rename))
        return head

    def _rename(self, meta: dict, head, rename) -> None:
        """The title becomes a form; Save renames (the vault's change draws the view again),
        Cancel or Escape puts the title back."""
        field = h("input", {"id": "rename-input", "value": meta["name"], "maxlength": "255", "required": True,
                            "aria-label": "New name"})
        form = h("form", {"class": "rename-form"}, field, h("button", {"type": "submit"}, "Save"),
                 h("button", {"type": "button", "class": "link", "id": "rename-cancel"}, "Cancel"))

        def cancel(_event=None):
            self.renaming = False
            if self.stale:
                self.shell.render()
                return
            form.replaceWith(head)
            rename.focus()

        def save(event):
            event.preventDefault()
            name = str(field.value).strip()
            if name == meta["name"]:
                return cancel()
            self.renaming = False
            self.shell.run(self._renamed(name))

        def key(event):
            if str(event.key) == "Escape":  # the field's: not back to the grid
                event.stopPropagation()
                event.preventDefault()
                cancel()
        self.scope.listen(form, "submit", save)
        self.scope.listen(form.querySelector("#rename-cancel"), "click", cancel)
        self.scope.listen(field, "keydown", key)
        self.renaming = True
        head.replaceWith(form)
        field.focus()
        field.select()

    async def _renamed(self, name: str) -> None:
        await self.shell.vault.update_asset(self.ref, {"name": name})
        self.shell.notify(f"Renamed to {name}.")  # the vault's change draws the view again

    def _restore(self, meta: dict) -> None:
        async def restore():
            if await self.shell.backup.recover(meta) is None:
                self.shell.notify(f"The backup could not give {meta['name']} back (unreachable, or its copy there "
                                  "is gone or altered). Try again later, regenerate it or replace it with a file.", "warn")
            # Fetched back: the vault announces it and this view is drawn again.
        self.shell.run(restore())

    def _facts(self, meta: dict, details):
        created = str(js.Date.new(meta["createdAt"]).toLocaleString())
        for label, value in (("Kind", f"{KINDS.get(meta['kind'], meta['kind'])} · {meta['role']}"),
                             ("Type", meta["mime"]), ("Size", f"{fmt.size(meta['size'])} ({meta['size']:,} bytes)"),
                             ("Created", created), ("Ref", meta["ref"])):
            _fact(details, label, value)
        return details

    def _key(self, event) -> None:
        key = str(event.key)
        if self is not self.shell.view:  # routed away, its tree still showing until the next one's is ready
            return
        if key not in self.steps or event.altKey or event.ctrlKey or event.metaKey or event.shiftKey:
            return
        # The players and fields keep their own keys (seeking, moving the caret).
        if event.target.closest and event.target.closest("video, audio, input, textarea, select, [contenteditable]"):
            return
        route = self.steps.get(key)
        if route:
            event.preventDefault()
            js.location.hash = route


def ask_regenerate(shell, meta: dict) -> None:
    """Tells the host app on this page to make a lost file again, with what made it."""
    detail = {"ref": meta["ref"], "projectId": meta["projectId"], "params": meta["params"]}
    js.window.dispatchEvent(js.CustomEvent.new(REGENERATE, js.Object.fromEntries(to_js_record([["detail", detail]]))))
    shell.notify(f"Asked for {meta['name']} to be made again: a generator app on this page that listens for "
                 f"{REGENERATE} makes it from its params.")


def can_restore(shell, meta: dict) -> bool:
    """A lost file the backup holds: offered first (it comes back as it was)."""
    backup = shell.backup
    return backup is not None and backup.config is not None and meta.get("backup") == "uploaded"


def replace_from_file(shell, scope, meta: dict) -> None:
    """"Replace with a file": a picker for the asset's kind; the file chosen is stored under the
    same ref (Vault.replace_blob), so the refs a host app kept stay valid."""
    for stray in js.document.querySelectorAll("input.replace-picker"):  # one left by a browser without "cancel"
        stray.remove()
    picker = h("input", {"type": "file", "class": "replace-picker", "hidden": True,
                         "accept": ACCEPT.get(meta["kind"], ""), "aria-label": f"Replace {meta['name']}"})

    def chosen(_event) -> None:
        files = picker.files
        picker.remove()
        if files is None or files.length == 0:
            return
        file = files.item(0)

        async def replace():
            await shell.vault.replace_blob(meta["ref"], file)
            shell.notify(f"Replaced the file of {meta['name']} with {file.name}; its ref stays {meta['ref']}.")
        shell.run(replace())
    scope.listen(picker, "change", chosen)
    scope.listen(picker, "cancel", lambda _e: picker.remove())
    js.document.body.append(picker)
    picker.click()


def remember_focus(ref: str) -> None:
    try:
        js.sessionStorage.setItem(FOCUS_KEY, ref)
    except Exception:  # storage blocked: the grid starts at its first card
        pass


def recalled_focus() -> str | None:
    """The ref of the asset last opened in the viewer, once."""
    try:
        ref = js.sessionStorage.getItem(FOCUS_KEY)
        js.sessionStorage.removeItem(FOCUS_KEY)
        return None if ref is None else str(ref)
    except Exception:
        return None


def _step(element_id: str, label: str, route: str | None, meta: dict | None, key: str):
    if not route:
        return h("span", {"class": "meta", "id": element_id, "aria-disabled": "true"}, label)
    return h("a", {"href": route, "id": element_id, "title": meta["name"], "aria-keyshortcuts": key}, label)


def _fact(details, label: str, value: str) -> None:
    for term in details.querySelectorAll("dt"):
        if str(term.textContent) == label:  # measured again (a redraw): one row each
            term.nextElementSibling.textContent = value
            return
    details.append(h("dt", None, label), h("dd", None, value))


def _params(params: dict):
    rows = fmt.params_rows(params or {})
    if not rows:
        return h("p", {"class": "meta", "id": "viewer-params"}, "No generation params were saved with this file.")
    return h("table", {"class": "params-table", "id": "viewer-params"},
             h("caption", None, "Generation params"),
             h("tbody", None, *[h("tr", None, h("th", {"scope": "row"}, key), h("td", None, value)) for key, value in rows]))
