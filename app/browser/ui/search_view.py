"""``#/search?q=…``: one search across every project, results grouped by project.

Every asset's record is read once when the page opens (previews left out) and kept; each
keystroke then filters what is kept (app.core.browse) and redraws the groups. Changes that land
meanwhile (another tab saving) update the kept records in place.
"""

from __future__ import annotations

import asyncio

import js

from app.core import fmt
from app.core.browse import Browse, Listing, group_by_project
from app.core.changes import RECORD_TYPES, Change
from app.core.model import THUMBNAIL_ROLE

from .asset_view import asset_link
from .dom import Scope, h

WARM_SLICE = 500  # search texts (and sort keys) built per turn of the event loop (~7 ms)

PER_PROJECT = 20  # results listed under a project; the rest are a link to the project's own search


class SearchView:
    def __init__(self, shell, query: str = ""):
        self.shell = shell
        self.spec = Browse.from_query(query)
        self.listing = Listing()
        self.titles: dict[str, str] = {}
        self.scope = Scope()
        self.box = None
        self.ready = False  # search texts and order made (warm_search)
        self.results = h("div", {"id": "search-results", "aria-live": "polite"})

    def shows(self, change: Change) -> bool:
        return change.type in RECORD_TYPES

    def dispose(self) -> None:
        self.scope.dispose()

    async def apply(self, changes: list) -> bool:
        """Saves, edits and deletions of assets update the kept records; anything else (a project
        made or deleted) reads everything again."""
        changes = [c for c in changes if c.type != "backup"]
        if not changes:
            return True
        if any(c.type != "asset" or not c.ref for c in changes):
            return False
        refs = {c.ref for c in changes}
        fresh = await self.shell.vault.get_metas(sorted(refs))
        kept = [m for m in self.listing.metas if m["ref"] not in refs]
        kept += [m for m in fresh.values() if m["role"] != THUMBNAIL_ROLE]
        self.listing.set(kept)
        self._draw()
        return True

    async def render(self):
        vault = self.shell.vault
        projects = await vault.list_projects()
        self.titles = {p["id"]: p["title"] for p in projects}
        metas = []
        for project in projects:
            metas += [m for m in await vault.list_assets(project["id"]) if m["role"] != THUMBNAIL_ROLE]
        self.listing.set(metas)
        if self.box is None:
            self.box = h("input", {"type": "search", "id": "search-all", "value": self.spec.q,
                                   "placeholder": "Search every project: names, prompts, params…",
                                   "aria-label": "Search every project"})
            self.scope.listen(self.box, "input", self._typed)
        self._draw()
        self.shell.run(self._warm())
        return h("section", None,
                 h("nav", None, h("a", {"href": "#/"}, "← Projects")),
                 h("h1", None, "Search"),
                 h("div", {"class": "search-form", "role": "search"}, self.box),
                 self.results)

    async def _warm(self) -> None:
        await warm_search(self.listing, lambda: self is self.shell.view, self.spec)
        self.ready = True
        if self is self.shell.view and not self.spec.q.strip():
            self._draw()

    def _typed(self, _event) -> None:
        self.spec = self.spec.with_(q=str(self.box.value))
        query = self.spec.query()
        js.history.replaceState(None, "", "#/search" + (f"?{query}" if query else ""))
        self._draw()

    def _draw(self) -> None:
        if not self.spec.q.strip():
            # Typing works before it is ready; the first key then waits for what is left (~150 ms at 10,000).
            said = "Type to search" if self.ready else "Getting ready to search"
            self.results.replaceChildren(h("p", {"class": "meta"}, f"{said} {fmt.count(len(self.listing.metas), 'file')} "
                                              f"in {fmt.count(len(self.titles), 'project')}" + ("." if self.ready else "…")))
            return
        found = self.listing.show(self.spec)
        if self.shell.doomed:  # deleted in a project view, Undo still offered
            found = [m for m in found if m["ref"] not in self.shell.doomed]
        groups = group_by_project(found, self.titles)
        query = self.spec.query()
        parts = [h("p", {"class": "meta", "id": "search-count"},
                   f"{fmt.count(len(found), 'file')} in {fmt.count(len(groups), 'project')}" if found else "Nothing matches.")]
        for project_id, title, items in groups:
            link = f"#/project/{js.encodeURIComponent(project_id)}?{query}"
            rows = [h("li", {"data-ref": m["ref"]},
                      h("a", {"href": asset_link(m["ref"], query)}, m["name"]),
                      h("span", {"class": "meta"}, f" · {m['role']} · {m['mime']} · {fmt.size(m['size'])}"),
                      h("div", {"class": "params meta"}, fmt.params_summary(m["params"])) if m["params"] else None)
                    for m in items[:PER_PROJECT]]
            more = len(items) - PER_PROJECT
            parts.append(h("section", {"class": "result-group", "data-project-id": project_id},
                           h("h2", None, h("a", {"href": link}, title), h("span", {"class": "meta"}, f" · {len(items):,}")),
                           h("ul", {"class": "results"}, *rows),
                           h("a", {"href": link}, f"Show all {len(items):,} in {title}") if more > 0 else None))
        self.results.replaceChildren(*parts)


async def warm_search(listing: Listing, wanted, spec=None) -> None:
    """The search texts built while the page is idle, a slice per turn of the event loop, so the
    first keystroke only filters; with ``spec``, the order it shows too (a view that shows
    nothing before the first keystroke has not sorted its list yet)."""
    metas = listing.metas
    for start in range(0, len(metas), WARM_SLICE):
        if not wanted() or listing.metas is not metas:
            return
        listing.warm(metas[start:start + WARM_SLICE], spec.sort if spec is not None else None)
        await asyncio.sleep(0)
    if spec is not None and wanted() and listing.metas is metas:
        listing.order(spec)  # the keys are made: a sort of 20,000 is ~20 ms
