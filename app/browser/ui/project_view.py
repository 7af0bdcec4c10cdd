"""``#/project/<id>``: the asset grid with players, adding media, and deleting."""

from __future__ import annotations

from dataclasses import replace

from app.core import fmt
from app.core.browse import Browse, Listing
from app.core.changes import RECORD_TYPES, Change
from app.core.errors import InvalidInputError, NotFoundError
from app.core.model import THUMBNAIL_ROLE
from app.core.selection import Selection

from .add_zone import AddZone
from .asset_grid import AssetGrid
from .asset_view import recalled_focus
from .browse_bar import BrowseBar
from .dom import Scope, by_id, h
from .project_head import ProjectHead
from .search_view import warm_search

FIRST_CHUNK = 400  # records (frames and their previews): more than a screen of cards


class ProjectView(ProjectHead, BrowseBar, AddZone):
    """The page; its head, browse bar and add zone are mixins of their own modules."""

    def __init__(self, shell, project_id: str, query: str = ""):
        self.shell = shell
        self.project_id = project_id
        self.spec = Browse.from_query(query)
        self.listing = Listing()  # every asset of the project but previews, in creation order
        self.bar = None  # sort, filters and search: kept across redraws, like the add zone
        self.scope = Scope()
        # The add zone outlives redraws: a redraw must not wipe what the user is typing.
        self.zone_scope = Scope()
        self.zone = None
        self.busy = False
        self.delete_armed = False
        self.grid: AssetGrid | None = None
        self.loading = False
        self.picked = Selection()  # kept across redraws, with the bar
        self.selection_bar = None
        self.editing = False

    @property
    def query(self) -> str:
        return self.spec.query()

    def shows(self, change: Change) -> bool:
        # A redraw mid-add would drop the progress bar; the add redraws once at its end.
        return not self.busy and change.type in RECORD_TYPES and change.concerns(self.project_id)

    def dispose(self) -> None:
        self.scope.dispose()
        self.zone_scope.dispose()
        if self.grid is not None:
            self.grid.dispose()

    async def render(self):
        try:
            project, media, chunks = await self._first_chunk()
        except (NotFoundError, InvalidInputError) as err:  # a stale or mistyped link
            return h("section", {"class": "empty"}, h("h1", None, "Project not found"),
                     h("p", None, str(err)), h("a", {"href": "#/"}, "Back to your projects"))
        self._new_grid(media)
        section = self._page(project, bool(media))
        self.shell.run(self._load_rest(chunks, self.grid))
        self.grid.schedule()
        return section

    async def _first_chunk(self):
        """(the project, its first chunk of files, the reader of the rest): the first chunk draws
        the first screen; the rest arrive while it shows. Reading checks the project again: it
        may have gone meanwhile (another tab, site data cleared)."""
        vault = self.shell.vault
        project = await vault.get_project(self.project_id)
        chunks = vault.iter_assets(self.project_id, FIRST_CHUNK)
        media = []
        async for chunk in chunks:
            media.extend(m for m in chunk if m["role"] != THUMBNAIL_ROLE)
            break
        return project, media, chunks

    def _new_grid(self, media: list[dict]) -> None:
        if self.grid is not None:
            self.grid.dispose()
        old_scope, self.scope = self.scope, Scope()
        old_scope.dispose()
        self.listing.set(media)
        self.grid = AssetGrid(self, self.listing.show(self.spec))
        self.focus_wanted = recalled_focus()  # back from the viewer: its asset's card
        if self.grid.focus_ref(self.focus_wanted):
            self.focus_wanted = None
        self.loading = True

    def _page(self, project: dict, has_media: bool):
        self.summary = h("span", {"class": "meta", "id": "project-summary"})
        self._summarise(project)
        self.title = h("h1", None, project["title"])
        self.prompt = h("p", {"class": "meta", "hidden": not project.get("prompt")}, project.get("prompt") or "")
        edit = h("button", {"id": "edit-project", "aria-expanded": "true" if self.editing else "false",
                            "aria-controls": "project-form"}, "Edit")
        self.form = self._project_form(project)
        self.scope.listen(edit, "click", lambda _e: self._toggle_form(edit))
        head = h("div", {"class": "project-head"}, self.title, self.summary, edit,
                 self._export_button(), self._delete_project_button())
        return h("section", None,
                 h("nav", None, h("a", {"href": "#/"}, "← Projects")),
                 head, self.form, self.prompt, self.zone or self._add_zone(), self._browse_bar(), self.grid.el,
                 h("p", {"class": "empty", "id": "no-media", "hidden": has_media}, "No media yet: drop files above."),
                 h("p", {"class": "empty", "id": "no-match", "hidden": True},
                   "No file matches. ", h("button", {"class": "link", "onclick": self.scope.on(self._clear)},
                                          "Show all files")))

    async def _load_rest(self, chunks, grid) -> None:
        media = list(self.listing.metas)  # the first chunk, unfiltered
        async for chunk in chunks:
            if grid is not self.grid:
                return  # redrawn meanwhile
            media.extend(m for m in chunk if m["role"] != THUMBNAIL_ROLE)
        if grid is not self.grid:
            return
        self.loading = False
        if len(media) != len(self.listing.metas):
            self.listing.set(media)
            self._show()
            self._role_options()
        else:
            self.shell.remember_order(self.project_id, self.spec, grid.metas)
        if self.focus_wanted is not None:
            grid.focus_ref(self.focus_wanted)
            self.focus_wanted = None
        self.shell.run(warm_search(self.listing, lambda: grid is self.grid))
        try:
            self._summarise(await self.shell.vault.get_project(self.project_id))
        except NotFoundError:
            return  # deleted meanwhile: its change event redraws the view
        self._empty_note()

    async def _refresh_head(self) -> bool:
        try:
            project = await self.shell.vault.get_project(self.project_id)
        except NotFoundError:
            return False  # gone: the full redraw says so
        self._head(project)
        self._summarise(project)
        return True

    def _count(self) -> None:
        total = len(self.listing.metas)
        if self.shell.doomed:  # deleted, Undo still offered: not counted
            total -= sum(1 for m in self.listing.metas if m["ref"] in self.shell.doomed)
        files = f"{total:,}+ files (reading…)" if self.loading else fmt.count(total, "file")
        if self.spec.filtered:
            files = f"{len(self.grid.metas):,} shown of {files}"
        self.summary.textContent = f"{files} · {fmt.size(self.bytes)}"

    def _empty_note(self) -> None:
        for note_id, hidden in (("no-media", bool(self.listing.metas)),
                                ("no-match", bool(self.grid.metas) or not self.listing.metas)):
            note = by_id(note_id)
            if note is not None:
                note.hidden = hidden

    async def apply(self, changes: list[dict]) -> bool:
        """Changes to assets of this project, applied to the cards in place (a full redraw read
        20,000 records at 10,000 frames). False when only a full redraw will do."""
        backed, own, changes = _sorted_changes(self.project_id, changes)
        # Backup progress changes a badge on the card, in place: no card is redrawn for it.
        if backed and self.grid is not None and not self.busy:
            self.grid.show_backup(await self.shell.vault.get_metas(sorted(backed)))
        # This project's own record (created, counts, fields): its head, in place. A full redraw
        # re-read every asset, and one lands just after the view opens on a project made a moment ago.
        if own and not changes and self.grid is not None and not self.busy:
            return await self._refresh_head()
        if not changes:
            return True
        if self.grid is None or self.busy or any(
                c.type != "asset" or c.project_id != self.project_id or not c.ref for c in changes):
            return False
        gone = {c.ref for c in changes if c.action == "deleted"}
        try:
            project = await self.shell.vault.get_project(self.project_id)
        except NotFoundError:
            return False  # gone: the full redraw says so
        metas = await self.shell.vault.get_metas(sorted({c.ref for c in changes} - gone))
        self.listing.set(_merged(self.listing.metas, metas, gone))
        self._show()
        self._role_options()
        if own:  # renamed or edited in the same batch as asset changes
            self._head(project)
        self._summarise(project)
        self._empty_note()
        return True

    # -- sort, filters, search -------------------------------------------------------------

    def _show(self) -> None:
        shown = self.listing.show(self.spec)
        if self.shell.doomed:  # deleted, Undo still offered
            shown = [m for m in shown if m["ref"] not in self.shell.doomed]
        self.picked.retain({m["ref"] for m in shown})  # an action never reaches a file out of sight
        self.grid.replace(shown)
        self.grid.show_picks()
        if self.selection_bar is not None:
            self.selection_bar.update()
        if not self.loading:  # the whole list: the viewer opened from here steps through it
            self.shell.remember_order(self.project_id, self.spec, shown)

    def refilter(self) -> None:
        if self.grid is not None:
            self._show()
            self._count()
            self._empty_note()

    # -- picking --------------------------------------------------------------------------

    def pick(self, ref: str, run: bool) -> None:
        if run:
            self.picked.extend_to(ref, [m["ref"] for m in self.grid.metas])
        else:
            self.picked.toggle(ref)
        self._picks_changed()

    def pick_all(self) -> None:
        self.picked.select_all([m["ref"] for m in self.grid.metas])
        self._picks_changed()

    def unpick_all(self) -> None:
        self.picked.clear()
        self._picks_changed()

    def _picks_changed(self) -> None:
        self.grid.show_picks()
        self.selection_bar.update()


def _as_seen_from(project_id: str, change: Change) -> Change:
    """A file moved out of this project is a deletion here; one moved in, a creation."""
    if change.action != "moved":
        return change
    if change.from_project == project_id:
        return replace(change, action="deleted", project_id=project_id)
    return replace(change, action="created")


def _sorted_changes(project_id: str, changes: list) -> tuple[set[str], list, list]:
    """(refs whose backup mark changed, changes of this project's own record, the rest as seen
    from this project)."""
    backed = {c.ref for c in changes if c.type == "backup" and c.ref}
    own, rest = [], []
    for c in changes:
        if c.type == "backup":
            continue
        c = _as_seen_from(project_id, c)
        mine = c.type == "project" and c.project_id == project_id and c.action in ("created", "updated")
        (own if mine else rest).append(c)
    return backed, own, rest


def _merged(media: list[dict], metas: dict, gone: set[str]) -> list[dict]:
    """The project's files with ``gone`` removed and ``metas`` updated or added, in creation order."""
    media = [m for m in media if m["ref"] not in gone]
    positions = {m["ref"]: i for i, m in enumerate(media)}
    for ref, meta in metas.items():
        if meta["role"] == THUMBNAIL_ROLE:
            continue  # shown through its parent, which is updated alongside
        if ref in positions:
            media[positions[ref]] = meta
        else:
            media.append(meta)
    if media and any(a["createdAt"] > b["createdAt"] for a, b in zip(media, media[1:])):
        media.sort(key=lambda m: m["createdAt"])
    return media
