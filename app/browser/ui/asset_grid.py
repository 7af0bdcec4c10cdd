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

from .dom import Scope, h, no_scroll
from .grid_cards import CARD_PX, GAP_PX, Cards
from .grid_input import GridInput
from .presses import PRESSES

MIN_COL_PX = 220
OVERSCAN_ROWS = 3


class AssetGrid(Cards, GridInput):
    """The window over the cards; the cards and the keys are mixins of their own modules."""

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
        start, end = self._window()
        wanted = [m["ref"] for m in self.metas[start:end]]
        keep = set(wanted)
        for ref in [r for r in self.cards if r not in keep]:
            self.cards.pop(ref).remove()
            url = self.urls.pop(ref, None)
            if url:
                js.URL.revokeObjectURL(url)
        fresh = self._place(wanted)
        if fresh:
            self.view.shell.run(self._previews(fresh))
        if self._focus_after is not None and self._focus_after in self.cards:
            self.cards[self._focus_after].focus(no_scroll())
            self._focus_after = None

    def _window(self) -> tuple[int, int]:
        """The columns, the list's full height and the rows near the viewport: their first and
        last position (the rows above are the list's top padding)."""
        width = self.el.clientWidth or js.window.innerWidth
        self.cols = max(1, int((width + GAP_PX) // (MIN_COL_PX + GAP_PX)))
        rows = -(-len(self.metas) // self.cols)
        pitch = CARD_PX + GAP_PX
        self.el.style.height = f"{max(0, rows * pitch - GAP_PX)}px"
        top = self.el.getBoundingClientRect().top
        first_row = max(0, int(-top // pitch) - OVERSCAN_ROWS)
        last_row = min(rows, int((-top + js.window.innerHeight) // pitch) + 1 + OVERSCAN_ROWS)
        self.el.style.paddingTop = f"{first_row * pitch}px"
        return first_row * self.cols, min(len(self.metas), last_row * self.cols)

    def _place(self, wanted: list[str]) -> list[str]:
        """The cards of ``wanted`` in order, made where missing; the refs of those made."""
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
        return fresh

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

    # -- changes --------------------------------------------------------------------------

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


def _same(node, card) -> bool:
    return bool(card.isSameNode(node))  # two proxies of one node are not `is`; node may be null


def _passive():
    return js.Object.fromEntries(js.Array.of(js.Array.of("passive", True)))
