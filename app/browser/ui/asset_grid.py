"""A project's cards, windowed: the DOM holds only the rows near the viewport.

A 10,000-frame project put 10,000 cards (and their object URLs and listeners) in the DOM and
took 17 s to open. Here every card has the same height, so the grid knows where any row is
without rendering it: it keeps the list of metadata, renders the rows in view plus a margin, and
fetches previews for just those. One delegated listener serves every card's buttons.

Keyboard and screen readers reach every asset: the grid is a list whose items carry
aria-setsize/aria-posinset; one card is in the tab order (roving tabindex) and the arrow keys,
Page Up/Down, Home and End move it, scrolling the card into view and rendering it first; Enter
(or a click on an image, or the name) opens the card's asset in the viewer.
"""

from __future__ import annotations

import js

from app.core import fmt

from .asset_view import asset_link, can_restore
from .dom import Scope, h, morph_children, no_scroll, sync_attributes
from .presses import PRESSES

CARD_PX = 288  # .grid.windowed .asset-card height in app.css
GAP_PX = 12
MIN_COL_PX = 220
OVERSCAN_ROWS = 3


class AssetGrid:
    def __init__(self, view, metas: list[dict]):
        self.view = view
        self.metas = metas
        self.index = {m["ref"]: i for i, m in enumerate(metas)}
        self.scope = Scope()  # listeners of the grid itself
        self.cards: dict[str, object] = {}  # ref -> rendered <li>
        self.urls: dict[str, str] = {}  # ref -> object URL of its preview source
        self.active = 0  # the card in the tab order
        self.cols = 1
        self._frame_id = None  # the id of the animation frame asked for, until it runs
        self._gone = False
        self._on_frame = self.scope.on(self._framed)
        self._focus_after = None
        self._wanted_focus = None
        self.el = h("ul", {"class": "grid windowed", "id": "assets", "role": "list",
                           "aria-label": fmt.count(len(metas), "file"), "onclick": self.scope.on(self._click),
                           "onkeydown": self.scope.on(self._key), "onfocusin": self.scope.on(self._focused)})
        self._on_scroll = self.scope.on(lambda _e: self.schedule())
        js.window.addEventListener("scroll", self._on_scroll, _passive())
        js.window.addEventListener("resize", self._on_scroll, _passive())

    def dispose(self) -> None:
        self._gone = True
        if self._frame_id is not None:  # it would call a destroyed proxy
            js.cancelAnimationFrame(self._frame_id)
            self._frame_id = None
        js.window.removeEventListener("scroll", self._on_scroll)
        js.window.removeEventListener("resize", self._on_scroll)
        for url in self.urls.values():
            js.URL.revokeObjectURL(url)
        self.urls.clear()
        self.scope.dispose()

    # -- the window -----------------------------------------------------------------------

    def schedule(self) -> None:
        if self._frame_id is None:
            self._frame_id = js.requestAnimationFrame(self._on_frame)

    def _framed(self, _time) -> None:
        self._frame_id = None
        if PRESSES.pressed:  # cards move near the pointer only once it is released (presses.py)
            self.view.shell.run(self._after_press())
            return
        try:
            self.update()
        except Exception as err:  # a callback of the browser's: no one else would catch it
            self.view.shell.report(err)

    async def _after_press(self) -> None:
        await PRESSES.settled()
        if not self._gone:
            self.schedule()

    def update(self) -> None:
        """Render the rows near the viewport (sync: DOM only; previews follow)."""
        if not self.el.isConnected:
            return
        if self._wanted_focus is not None:
            ref, self._wanted_focus = self._wanted_focus, None
            if ref in self.index:
                self._move(self.index[ref], focus=True)  # updates in turn
                return
        width = self.el.clientWidth or js.window.innerWidth
        self.cols = max(1, int((width + GAP_PX) // (MIN_COL_PX + GAP_PX)))
        rows = -(-len(self.metas) // self.cols)
        pitch = CARD_PX + GAP_PX
        self.el.style.height = f"{max(0, rows * pitch - GAP_PX)}px"
        top = self.el.getBoundingClientRect().top
        first_row = max(0, int(-top // pitch) - OVERSCAN_ROWS)
        last_row = min(rows, int((-top + js.window.innerHeight) // pitch) + 1 + OVERSCAN_ROWS)
        start, end = first_row * self.cols, min(len(self.metas), last_row * self.cols)
        self.el.style.paddingTop = f"{first_row * pitch}px"
        wanted = [m["ref"] for m in self.metas[start:end]]
        keep = set(wanted)
        for ref in [r for r in self.cards if r not in keep]:
            self.cards.pop(ref).remove()
            url = self.urls.pop(ref, None)
            if url:
                js.URL.revokeObjectURL(url)
        fresh = []
        previous = None
        for ref in wanted:
            card = self.cards.get(ref)
            if card is None:
                card = self.cards[ref] = self._card(self.metas[self.index[ref]])
                fresh.append(ref)
            # In order: after the previous card, or first. Only misplaced cards move: moving a
            # node in the DOM takes the focus from it.
            if previous is None:
                if not _same(self.el.firstChild, card):
                    self.el.insertBefore(card, self.el.firstChild)
            elif not _same(previous.nextSibling, card):
                previous.after(card)
            previous = card
        if fresh:
            self.view.shell.run(self._previews(fresh))
        if self._focus_after is not None and self._focus_after in self.cards:
            self.cards[self._focus_after].focus(no_scroll())
            self._focus_after = None

    async def _previews(self, refs: list[str]) -> None:
        metas = [self.metas[self.index[r]] for r in refs if r in self.index]
        wanted = []
        for m in metas:
            wanted.append(m["ref"])
            if m.get("thumbnailRef"):
                wanted.append(m["thumbnailRef"])
        blobs = await self.view.shell.vault.get_blobs(wanted)
        backup = self.view.shell.backup
        for meta in metas:
            card = self.cards.get(meta["ref"])
            if card is None:  # scrolled out of view meanwhile
                continue
            if meta["ref"] not in blobs and backup is not None and meta.get("backup") == "uploaded":
                card.querySelector(".preview").replaceChildren(h("div", {"class": "missing"}, "Fetching from the backup…"))
                self.view.shell.run(self._recover(meta, blobs.get(meta.get("thumbnailRef"))))
                continue
            self._fill(card, meta, blobs.get(meta["ref"]), blobs.get(meta.get("thumbnailRef")))

    async def _recover(self, meta: dict, thumb) -> None:
        """A lost Blob the backup holds: fetched back before the card falls back to the params."""
        blob = await self.view.shell.backup.recover(meta)
        card = self.cards.get(meta["ref"])
        if card is not None:
            self._fill(card, meta, blob, thumb)

    async def restore(self, meta: dict) -> None:
        """"Restore from backup" on a card: the backup asked again (it was unreachable before)."""
        ref = meta["ref"]
        card = self.cards.get(ref)
        if card is not None:
            card.querySelector(".preview").replaceChildren(h("div", {"class": "missing"}, "Fetching from the backup…"))
        thumb = (await self.view.shell.vault.get_blobs([meta["thumbnailRef"]])).get(meta["thumbnailRef"]) \
            if meta.get("thumbnailRef") else None
        blob = await self.view.shell.backup.recover(meta)
        card = self.cards.get(ref)
        if blob is None:
            self.view.shell.notify(f"The backup could not give {meta['name']} back (unreachable, or its copy "
                                   "there is gone or altered). Try again later, regenerate it or replace it "
                                   "with a file.", "warn")
        elif card is not None:  # a whole card again: the buttons for a lost file go
            focused = bool(card.contains(js.document.activeElement))
            fresh = self.cards[ref] = self._card(meta)
            card.replaceWith(fresh)
            card = fresh
            if focused:
                fresh.focus(no_scroll())
        if card is not None:
            self._fill(card, meta, blob, thumb)

    # -- cards ----------------------------------------------------------------------------

    def _card(self, meta: dict):
        position = self.index[meta["ref"]]
        name = meta["name"]
        roving = "0" if position == self.active else "-1"
        picked = meta["ref"] in self.view.picked
        return h("li", {"class": "asset-card" + (" picked" if picked else ""), "data-ref": meta["ref"],
                        "data-kind": meta["kind"], "role": "listitem", "tabindex": roving,
                        "aria-setsize": str(len(self.metas)), "aria-posinset": str(position + 1), "aria-label": name},
                 h("div", {"class": "preview loading"}),
                 h("div", {"class": "card-title"},
                   h("input", {"type": "checkbox", "class": "pick", "checked": picked, "tabindex": roving,
                               "aria-label": f"Select {name}"}),
                   h("a", {"class": "asset-name", "title": name, "href": asset_link(meta["ref"], self.view.query),
                           "tabindex": roving}, name)),
                 h("div", {"class": "meta"}, f"{meta['role']} · {meta['mime']} · {fmt.size(meta['size'])}",
                   _backup_badge(meta)),
                 h("div", {"class": "params"}, fmt.params_summary(meta["params"])) if meta["params"] else None,
                 h("div", {"class": "actions"},
                   h("button", {"class": "small", "data-action": "download", "tabindex": roving}, "Download"),
                   h("button", {"class": "small", "data-action": "copy", "tabindex": roving}, "Copy ref"),
                   h("button", {"class": "small danger", "data-action": "delete", "tabindex": roving}, "Delete")))

    def _patch(self, card, meta: dict) -> None:
        """The card brought up to meta where it stands (see dom.morph); its preview stays until
        the refill draws the new one."""
        fresh = self._card(meta)
        sync_attributes(card, fresh)
        morph_children(card, list(card.children)[1:], list(fresh.children)[1:])  # [0]: the preview

    def _fill(self, card, meta: dict, blob, thumb) -> None:
        box = card.querySelector(".preview")
        box.classList.remove("loading")
        name = meta["name"]
        if blob is not None and meta["kind"] == "image":
            attrs = {"src": self._url(meta["ref"], thumb if thumb is not None else blob), "alt": name,
                     "data-preview": "thumbnail" if thumb else "original"}
            shown = box.querySelector("img")
            if shown:  # kept: a press on it that straddles the refill stays a click
                for key, value in attrs.items():
                    shown.setAttribute(key, value)
            else:
                box.replaceChildren(h("img", attrs))
            return
        box.replaceChildren()
        if blob is None:
            box.append(h("div", {"class": "missing"},
                         h("strong", None, "File missing"),
                         h("span", None, "The stored bytes are gone; it was made with:"),
                         h("code", None, fmt.params_summary(meta["params"], 400) or "(no parameters saved)")))
            if card.getAttribute("data-missing"):  # again, after a failed restore: its buttons are there
                return
            card.setAttribute("data-missing", "true")
            card.querySelector("[data-action=download]").remove()  # nothing to download
            # The ways back, best first: the backup's copy, the generator, a file at hand.
            tab = str(card.tabIndex)
            ways = [h("button", {"class": "small", "data-action": "regenerate", "tabindex": tab}, "Regenerate"),
                    h("button", {"class": "small", "data-action": "replace", "tabindex": tab}, "Replace with a file…")]
            if can_restore(self.view.shell, meta):
                ways.insert(0, h("button", {"class": "small", "data-action": "restore", "tabindex": tab},
                                 "Restore from backup"))
            card.querySelector(".actions").prepend(*ways)
            return
        if meta["kind"] == "video":
            # The poster shows at once; the video's own bytes load when it is played.
            attrs = {"src": self._url(meta["ref"], blob), "controls": True, "preload": "none", "aria-label": name}
            if thumb is not None:
                attrs["poster"] = self._url(meta["ref"] + "#poster", thumb)
            box.append(h("video", attrs))
        else:
            box.append(h("audio", {"src": self._url(meta["ref"], blob), "controls": True, "preload": "none",
                                   "aria-label": name}))

    def _url(self, key: str, blob) -> str:
        old = self.urls.pop(key, None)
        if old:
            js.URL.revokeObjectURL(old)
        self.urls[key] = js.URL.createObjectURL(blob)
        return self.urls[key]

    # -- changes --------------------------------------------------------------------------

    def show_backup(self, metas: dict[str, dict]) -> None:
        """New backup states: the records are updated and the badges of cards in view redrawn."""
        for ref, meta in metas.items():
            if ref not in self.index:
                continue  # a preview (not a card of its own), or gone
            self.metas[self.index[ref]] = meta
            card = self.cards.get(ref)
            old = card.querySelector(".backup-state") if card is not None else None
            badge = _backup_badge(meta)
            if old is not None and badge is not None:
                old.replaceWith(badge)
            elif card is not None and badge is not None:
                card.querySelector(".meta").append(badge)

    def replace(self, metas: list[dict]) -> None:
        """A new list (after a change): re-render what changed among the cards in view."""
        old = {m["ref"]: m for m in self.metas}
        self.metas = metas
        self.index = {m["ref"]: i for i, m in enumerate(metas)}
        self.el.setAttribute("aria-label", fmt.count(len(metas), "file"))
        self.active = min(self.active, max(0, len(metas) - 1))
        refill = []
        for ref in list(self.cards):
            card = self.cards[ref]
            focused = bool(card.contains(js.document.activeElement))
            if ref not in self.index:
                self.cards.pop(ref).remove()
                if focused and metas:  # deleted from its own button: the next card takes the focus
                    self._focus_after = metas[self.active]["ref"]
            elif old.get(ref) != metas[self.index[ref]]:
                self._patch(card, metas[self.index[ref]])
                refill.append(ref)
                if focused and not card.contains(js.document.activeElement):
                    card.focus(no_scroll())
        for ref, card in self.cards.items():
            card.setAttribute("aria-setsize", str(len(metas)))
            card.setAttribute("aria-posinset", str(self.index[ref] + 1))
        if refill:
            self.view.shell.run(self._previews(refill))
        self.update()

    # -- input ----------------------------------------------------------------------------

    def show_picks(self) -> None:
        """The selection drawn on the cards in view (the others are drawn from it when they come)."""
        for ref, card in self.cards.items():
            picked = ref in self.view.picked
            card.classList.toggle("picked", picked)
            card.querySelector("input.pick").checked = picked

    def _click(self, event) -> None:
        button = event.target.closest("button[data-action]")
        card = event.target.closest(".asset-card")
        if not card:  # JS null: a click between the cards
            return
        self._move(self.index.get(str(card.dataset.ref), self.active), focus=False)
        if event.target.classList.contains("pick"):  # its box: shift takes the run from the last one
            self.view.pick(str(card.dataset.ref), bool(event.shiftKey))
            return
        if not button:
            # An image's preview opens it large; a player's own controls stay the player's.
            if card.dataset.kind == "image" and event.target.closest(".preview"):
                js.location.hash = asset_link(str(card.dataset.ref), self.view.query)
            return
        meta = self.metas[self.index[str(card.dataset.ref)]]
        self.view.card_action(str(button.dataset.action), meta)

    def _focused(self, event) -> None:
        """A card focused by other means than the grid's keys (a screen reader, a click on its
        text): the keys go on from it."""
        card = event.target.closest(".asset-card")
        if card and str(card.dataset.ref) in self.index:
            position = self.index[str(card.dataset.ref)]
            if position != self.active:
                self._move(position, focus=False)

    def _key(self, event) -> None:
        card = event.target
        if not card.classList.contains("asset-card"):
            return  # keys on a card's buttons are theirs
        per_screen = max(1, int(js.window.innerHeight // (CARD_PX + GAP_PX))) * self.cols
        moves = {"ArrowRight": 1, "ArrowLeft": -1, "ArrowDown": self.cols, "ArrowUp": -self.cols,
                 "PageDown": per_screen, "PageUp": -per_screen}
        key = str(event.key)
        if key == "Enter":
            js.location.hash = asset_link(str(card.dataset.ref), self.view.query)
            return
        if key == " ":  # Space picks the card, Shift+Space the run up to it
            event.preventDefault()
            self.view.pick(str(card.dataset.ref), bool(event.shiftKey))
            return
        if key.lower() == "a" and (event.ctrlKey or event.metaKey) and not event.altKey:
            event.preventDefault()
            self.view.pick_all()
            return
        if key == "Escape" and len(self.view.picked):
            event.preventDefault()
            self.view.unpick_all()
            return
        if key in moves:
            target = self.active + moves[key]
        elif key == "Home":
            target = 0
        elif key == "End":
            target = len(self.metas) - 1
        else:
            return
        event.preventDefault()
        self._move(max(0, min(len(self.metas) - 1, target)), focus=True)

    def to_top(self) -> None:
        """A new list (sorted, filtered): its first row is shown, just under the sticky bar."""
        self.active = 0
        bar = self.el.previousElementSibling
        top = self.el.getBoundingClientRect().top - (bar.offsetHeight if bar else 0)
        if top < 0:
            js.window.scrollBy(0, top - GAP_PX)

    def focus_ref(self, ref: str | None) -> bool:
        """Puts the focus on ref's card, scrolled to, if it is in the list (once the grid is in
        the page: where a row is depends on it)."""
        if ref not in self.index:
            return False
        if self.el.isConnected:
            self._move(self.index[ref], focus=True)
        else:
            self._wanted_focus = ref
        return True

    def _move(self, position: int, focus: bool) -> None:
        if not self.metas:
            return
        for ref in (self.metas[self.active]["ref"] if self.active < len(self.metas) else None,
                    self.metas[position]["ref"]):
            card = self.cards.get(ref)
            if card is not None:
                roving = "0" if self.index[ref] == position else "-1"
                card.tabIndex = roving
                for control in card.querySelectorAll("button, a, input"):
                    control.tabIndex = roving
        self.active = position
        if not focus:
            return
        ref = self.metas[position]["ref"]
        pitch = CARD_PX + GAP_PX
        row_top = self.el.getBoundingClientRect().top + (position // self.cols) * pitch
        if row_top < 0 or row_top + CARD_PX > js.window.innerHeight:
            js.window.scrollBy(0, row_top - max(0, (js.window.innerHeight - CARD_PX) / 2))
        self._focus_after = ref
        self.update()
        if ref in self.cards:  # rendered already: make sure its roving state is set
            self.cards[ref].tabIndex = 0


def _same(node, card) -> bool:
    return bool(card.isSameNode(node))  # two proxies of one node are not `is`; node may be null


def _passive():
    return js.Object.fromEntries(js.Array.of(js.Array.of("passive", True)))


_BACKUP_LABELS = {"queued": "waiting for backup", "uploaded": "backed up", "failed": "backup failed"}


def _backup_badge(meta: dict):
    state = meta.get("backup")
    if state not in _BACKUP_LABELS:
        return None  # backup is off
    why = meta.get("backupError") or ""
    return h("span", {"class": f"backup-state {state}", "title": why or None},
             " · " + _BACKUP_LABELS[state] + (f": {why}" if why else ""))
