"""A card of the grid: made once per file and brought up to date in place (dom.morph) when the file,
its preview or its backup mark changes, so a card under the pointer is never replaced."""

from __future__ import annotations

import js

from app.core import fmt

from .asset_view import asset_link, can_restore
from .dom import h, morph_children, sync_attributes

CARD_PX = 288  # .grid.windowed .asset-card height in app.css
GAP_PX = 12


class Cards:
    def _card(self, meta: dict):
        position = self.index[meta["ref"]]
        name = meta["name"]
        roving = "0" if position == self.active else "-1"
        picked = meta["ref"] in self.view.picked
        about = f"{meta['role']} · {meta['mime']} · {fmt.size(meta['size'])}"  # cut short in a narrow card
        return h("li", {"class": "asset-card" + (" picked" if picked else ""), "data-ref": meta["ref"],
                        "data-kind": meta["kind"], "role": "listitem", "tabindex": roving,
                        "aria-setsize": str(len(self.metas)), "aria-posinset": str(position + 1), "aria-label": name},
                 h("div", {"class": "preview loading"}),
                 h("div", {"class": "card-title"},
                   h("input", {"type": "checkbox", "class": "pick", "checked": picked, "tabindex": roving,
                               "aria-label": f"Select {name}"}),
                   h("a", {"class": "asset-name", "title": name, "href": asset_link(meta["ref"], self.view.query),
                           "tabindex": roving}, name)),
                 h("div", {"class": "meta", "title": about}, about, _backup_badge(meta)),
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
            return self._missing(card, box, meta)
        if meta["kind"] == "video":
            # The poster shows at once; the video's own bytes load when it is played.
            attrs = {"src": self._url(meta["ref"], blob), "controls": True, "preload": "none", "aria-label": name}
            if thumb is not None:
                attrs["poster"] = self._url(meta["ref"] + "#poster", thumb)
            box.append(h("video", attrs))
        else:
            box.append(h("audio", {"src": self._url(meta["ref"], blob), "controls": True, "preload": "none",
                                   "aria-label": name}))

    def _missing(self, card, box, meta: dict) -> None:
        """A file whose bytes are gone: what made it, and the ways back, best first: the backup's
        copy, the generator, a file at hand."""
        box.append(h("div", {"class": "missing"},
                     h("strong", None, "File missing"),
                     h("span", None, "The stored bytes are gone; it was made with:"),
                     h("code", None, fmt.params_summary(meta["params"], 400) or "(no parameters saved)")))
        if card.getAttribute("data-missing"):  # again, after a failed restore: its buttons are there
            return
        card.setAttribute("data-missing", "true")
        card.querySelector("[data-action=download]").remove()  # nothing to download
        tab = str(card.tabIndex)
        ways = [h("button", {"class": "small", "data-action": "regenerate", "tabindex": tab}, "Regenerate"),
                h("button", {"class": "small", "data-action": "replace", "tabindex": tab}, "Replace with a file…")]
        if can_restore(self.view.shell, meta):
            ways.insert(0, h("button", {"class": "small", "data-action": "restore", "tabindex": tab},
                             "Restore from backup"))
        card.querySelector(".actions").prepend(*ways)

    def _url(self, key: str, blob) -> str:
        old = self.urls.pop(key, None)
        if old:
            js.URL.revokeObjectURL(old)
        self.urls[key] = js.URL.createObjectURL(blob)
        return self.urls[key]

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


_BACKUP_LABELS = {"queued": "waiting for backup", "uploaded": "backed up", "failed": "backup failed"}


def _backup_badge(meta: dict):
    state = meta.get("backup")
    if state not in _BACKUP_LABELS:
        return None  # backup is off
    why = meta.get("backupError") or ""
    return h("span", {"class": f"backup-state {state}", "title": why or None},
             " · " + _BACKUP_LABELS[state] + (f": {why}" if why else ""))
