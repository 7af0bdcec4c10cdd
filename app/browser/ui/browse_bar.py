"""The project page's browse bar (sort, filters, search, kept in the route's query) and what a card's
buttons do (download, copy its ref)."""

from __future__ import annotations

import js

from app.core.browse import KINDS, roles

from .asset_view import ask_regenerate, replace_from_file
from .dom import h, save_as
from .picking import SelectionBar, delete_with_undo

SORT_CHOICES = (("order", "Frame order"), ("created", "Oldest first"), ("-created", "Newest first"),
                ("name", "Name A–Z"), ("-name", "Name Z–A"), ("-size", "Largest first"), ("size", "Smallest first"))
KIND_CHOICES = (("", "All kinds"),) + tuple((k, k.capitalize() + ("" if k == "audio" else "s")) for k in KINDS)


class BrowseBar:
    def _browse_bar(self):
        if self.bar is not None:
            self._role_options()
            return self.bar
        spec, on = self.spec, self.zone_scope.on
        self.search_input = h("input", {"type": "search", "id": "search-input", "value": spec.q,
                                  "placeholder": "Search names, prompts, params…", "aria-label": "Search this project"})
        self.search_input.addEventListener("input", on(lambda _e: self._browse(q=str(self.search_input.value))))
        current = ("-" if spec.descending else "") + spec.sort
        self.sort_select = h("select", {"id": "sort-select", "aria-label": "Sort by"},
                      *[h("option", {"value": value, "selected": value == current}, label) for value, label in SORT_CHOICES])
        self.sort_select.addEventListener("change", on(lambda _e: self._browse(**_sort_fields(str(self.sort_select.value)))))
        self.kind_select = h("select", {"id": "kind-select", "aria-label": "Show kind"},
                      *[h("option", {"value": value, "selected": value == spec.kind}, label) for value, label in KIND_CHOICES])
        self.kind_select.addEventListener("change", on(lambda _e: self._browse(kind=str(self.kind_select.value))))
        self.role_select = h("select", {"id": "role-select", "aria-label": "Show role"})
        self.role_select.addEventListener("change", on(lambda _e: self._browse(role=str(self.role_select.value))))
        self.selection_bar = SelectionBar(self)
        self.bar = h("div", {"class": "browse"},
                     h("div", {"class": "find", "role": "search", "aria-label": "Find files in this project"},
                       self.search_input, self.sort_select, self.kind_select, self.role_select),
                     self.selection_bar.el)
        self._role_options()
        return self.bar

    def _role_options(self) -> None:
        if self.bar is None:
            return
        present = roles(self.listing.metas)
        if self.spec.role and self.spec.role not in present:
            present.append(self.spec.role)  # from the link: kept, so the view says what it filters by
        wanted = [""] + present
        if [str(o.value) for o in self.role_select.options] == wanted:
            return
        self.role_select.replaceChildren(*[h("option", {"value": r, "selected": r == self.spec.role},
                                      r or "All roles") for r in wanted])

    def _browse(self, **changes) -> None:
        """The sort, a filter or the search changed: the grid shows the new list at once and the
        URL says what it shows (replaced, not pushed: Back leaves the project, not a keystroke)."""
        self.spec = self.spec.with_(**changes)
        js.history.replaceState(None, "", f"#/project/{js.encodeURIComponent(self.project_id)}"
                                + (f"?{self.query}" if self.query else ""))
        if self.grid is None:
            return
        self._show()
        self.grid.to_top()
        self._count()
        self._empty_note()

    def _clear(self, _event=None) -> None:
        self.search_input.value, self.kind_select.value, self.role_select.value = "", "", ""
        self._browse(q="", kind="", role="")

    def card_action(self, action: str, meta: dict) -> None:
        if action == "copy":
            self._copy(meta["ref"])
        elif action == "delete":
            delete_with_undo(self.shell, [meta])
        elif action == "download":
            self._download(meta)
        elif action == "regenerate":
            ask_regenerate(self.shell, meta)
        elif action == "restore":
            self.shell.run(self.grid.restore(meta))
        elif action == "replace":
            replace_from_file(self.shell, self.scope, meta)

    def _download(self, meta: dict) -> None:
        async def download():
            blob = await self.shell.vault.get_blob(meta["ref"])
            if blob is None:
                self.shell.notify(f"The stored bytes of {meta['name']} are gone.", "warn")
                return
            save_as(blob, meta["name"])
        self.shell.run(download())

    def _copy(self, ref: str) -> None:
        async def copy():
            try:
                await js.navigator.clipboard.writeText(ref)
                self.shell.notify(f"Copied {ref}.")
            except Exception:
                self.shell.notify(f"The browser blocked the clipboard; the ref is {ref}.", "warn")
        self.shell.run(copy())


def _sort_fields(value: str) -> dict:
    return {"sort": value.lstrip("-"), "descending": value.startswith("-")}
