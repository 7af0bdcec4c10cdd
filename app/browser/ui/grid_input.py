"""The grid under the pointer and the keys: a card clicked or picked, focus kept on a card as the
window moves, arrows, Home/End and Page keys across 10,000 cards."""

from __future__ import annotations

import js

from .asset_view import asset_link
from .grid_cards import CARD_PX, GAP_PX


class GridInput:
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
