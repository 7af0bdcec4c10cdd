"""``#/project/<id>``: the asset grid with players, adding media, and deleting."""

from __future__ import annotations

import js

from app.core import fmt, transfer
from app.core.browse import KINDS, Browse, Listing, roles
from app.core.errors import InvalidInputError, NotFoundError, VaultError
from app.core.model import PROJECT_FIELDS, THUMBNAIL_ROLE
from app.core.selection import Selection

from .asset_grid import AssetGrid
from .asset_view import ask_regenerate, recalled_focus, replace_from_file
from .dom import Scope, accept_drops, by_id, h, save_as
from .picking import SelectionBar, delete_with_undo
from .search_view import warm_search

FIRST_CHUNK = 400  # records (frames and their previews): more than a screen of cards


SORT_CHOICES = (("order", "Frame order"), ("created", "Oldest first"), ("-created", "Newest first"),
                ("name", "Name A–Z"), ("-name", "Name Z–A"), ("-size", "Largest first"), ("size", "Smallest first"))
KIND_CHOICES = (("", "All kinds"),) + tuple((k, k.capitalize() + ("" if k == "audio" else "s")) for k in KINDS)


class ProjectView:
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

    def shows(self, project_id) -> bool:
        # A redraw mid-add would drop the progress bar; the add redraws once at its end.
        return not self.busy and project_id in (None, self.project_id)

    def dispose(self) -> None:
        self.scope.dispose()
        self.zone_scope.dispose()
        if self.grid is not None:
            self.grid.dispose()

    async def render(self):
        vault = self.shell.vault
        media, chunks = [], None
        try:
            project = await vault.get_project(self.project_id)
            # The first chunk draws the first screen; the rest arrive while it shows. Reading
            # checks the project again: it may have gone meanwhile (another tab, site data cleared).
            chunks = vault.iter_assets(self.project_id, FIRST_CHUNK)
            async for chunk in chunks:
                media.extend(m for m in chunk if m["role"] != THUMBNAIL_ROLE)
                break
        except (NotFoundError, InvalidInputError) as err:  # a stale or mistyped link
            return h("section", {"class": "empty"}, h("h1", None, "Project not found"),
                     h("p", None, str(err)), h("a", {"href": "#/"}, "Back to your projects"))
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
        section = h("section", None,
                    h("nav", None, h("a", {"href": "#/"}, "← Projects")),
                    head,
                    self.form,
                    self.prompt,
                    self.zone or self._add_zone(),
                    self._browse_bar(),
                    self.grid.el,
                    h("p", {"class": "empty", "id": "no-media", "hidden": bool(media)},
                      "No media yet: drop files above."),
                    h("p", {"class": "empty", "id": "no-match", "hidden": True},
                      "No file matches. ", h("button", {"class": "link", "onclick": self.scope.on(self._clear)},
                                             "Show all files")))
        self.shell.run(self._load_rest(chunks, self.grid))
        self.grid.schedule()
        return section

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

    def _head(self, project: dict) -> None:
        if not self.editing:  # its fields as they now stand (edited here, or in another tab)
            fresh = self._project_form(project)
            self.form.replaceWith(fresh)
            self.form = fresh
        self.title.textContent = project["title"]
        self.prompt.textContent = project.get("prompt") or ""
        self.prompt.hidden = not project.get("prompt")

    def _summarise(self, project: dict) -> None:
        self.asset_count = project.get("assetCount", 0)  # its files, as the grid shows them
        self.bytes = project.get("bytes", 0)
        self._count()

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
        # Backup progress changes a badge on the card, in place: no card is redrawn for it.
        backed = {c["ref"] for c in changes if isinstance(c, dict) and c.get("type") == "backup" and c.get("ref")}
        changes = [c for c in changes if not (isinstance(c, dict) and c.get("type") == "backup")]
        if backed and self.grid is not None and not self.busy:
            self.grid.show_backup(await self.shell.vault.get_metas(sorted(backed)))
        changes = [_as_seen_from(self.project_id, c) for c in changes]
        # This project's own record (created, counts, fields): its head, in place. A full redraw
        # re-read every asset, and one lands just after the view opens on a project made a moment ago.
        own, rest = [], []
        for c in changes:
            mine = (isinstance(c, dict) and c.get("type") == "project" and c.get("projectId") == self.project_id
                    and c.get("action") in ("created", "updated"))
            (own if mine else rest).append(c)
        changes = rest
        if own and not changes and self.grid is not None and not self.busy:
            return await self._refresh_head()
        if not changes:
            return True
        if self.grid is None or self.busy or any(
                not isinstance(c, dict) or c.get("type") != "asset" or c.get("projectId") != self.project_id
                or not c.get("ref") for c in changes):
            return False
        gone = {c["ref"] for c in changes if c["action"] == "deleted"}
        try:
            project = await self.shell.vault.get_project(self.project_id)
        except NotFoundError:
            return False  # gone: the full redraw says so
        metas = await self.shell.vault.get_metas(sorted({c["ref"] for c in changes} - gone))
        media = [m for m in self.listing.metas if m["ref"] not in gone]
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
        self.listing.set(media)
        self._show()
        self._role_options()
        if own:  # renamed or edited in the same batch as asset changes
            self._head(project)
        self._summarise(project)
        self._empty_note()
        return True

    # -- sort, filters, search -------------------------------------------------------------

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

    # -- the project's own fields ------------------------------------------------------------

    def _project_form(self, project: dict):
        labels = {"title": "Title", "prompt": "Prompt", "style": "Style", "mood": "Mood",
                  "durationSec": "Duration (s)", "frameCount": "Frame count"}
        fields = []
        for name in PROJECT_FIELDS:
            value = project.get(name)
            attrs = {"name": name, "id": f"project-{name}", "value": "" if value is None else str(value)}
            if name in ("durationSec", "frameCount"):
                attrs.update(type="number", min="0", step="any" if name == "durationSec" else "1")
            control = h("textarea", {"name": name, "id": "project-prompt", "rows": "3"}, project.get("prompt") or "") \
                if name == "prompt" else h("input", attrs)
            fields.append(h("label", None, labels[name], control))
        form = h("form", {"class": "project-form", "id": "project-form", "hidden": not self.editing},
                 *fields, h("div", {"class": "row"}, h("button", {"type": "submit"}, "Save"),
                            h("button", {"type": "button", "class": "link", "id": "project-cancel"}, "Cancel")))
        self.scope.listen(form, "submit", lambda e: self._save_project(e, form))
        self.scope.listen(form.querySelector("#project-cancel"), "click",
                          lambda _e: self._toggle_form(by_id("edit-project")))
        return form

    def _toggle_form(self, button) -> None:
        self.editing = not self.editing
        self.form.hidden = not self.editing
        if button is not None:
            button.setAttribute("aria-expanded", "true" if self.editing else "false")
        if self.editing:
            self.form.querySelector("input").focus()

    def _save_project(self, event, form) -> None:
        event.preventDefault()
        fields = {}
        for name in PROJECT_FIELDS:
            raw = str(form.elements.namedItem(name).value).strip()
            if name in ("durationSec", "frameCount"):
                fields[name] = None if raw == "" else float(raw) if name == "durationSec" else _whole(raw)
            else:
                fields[name] = raw

        async def save():
            await self.shell.vault.update_project(self.project_id, fields)
            self.editing = False
            self.form.hidden = True
            self.shell.notify("Saved the project.")
        self.shell.run(save())

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

    def _export_button(self):
        button = h("button", {"id": "export-project"}, "Export .zip")

        def click(_event):
            async def export():
                button.disabled = True
                button.textContent = "Exporting…"

                def progress(done, total):
                    button.textContent = f"Checksumming… {100 * done // max(total, 1)}%"
                try:
                    name, blob, missing = await transfer.export_project(
                        self.shell.vault, self.project_id, int(js.Date.now()), progress)
                finally:
                    button.disabled = False
                    button.textContent = "Export .zip"
                save_as(blob, name)
                self.shell.notify(f"Exported {name} ({fmt.size(int(blob.size))}).")
                if missing:
                    self.shell.notify("Left out (their stored bytes are gone): " + ", ".join(missing), "warn")
            self.shell.run(export())

        button.addEventListener("click", self.scope.on(click))
        return button

    def _delete_project_button(self):
        # Armed by the first click; the state lives on the view, so a redraw in between (a
        # preview arriving) does not disarm it.
        label = f"Really delete it and its {fmt.count(self.asset_count, 'file')}?" if self.delete_armed else "Delete project"
        button = h("button", {"class": "danger", "id": "delete-project"}, label)

        def click(_event):
            if not self.delete_armed:
                self.delete_armed = True
                button.textContent = f"Really delete it and its {fmt.count(self.asset_count, 'file')}?"
                return

            async def delete():
                files = self.asset_count  # result's assetsDeleted counts the previews too
                result = await self.shell.vault.delete_project(self.project_id)
                self.shell.notify(f"Deleted the project: {fmt.count(files, 'file')}, "
                                  f"{fmt.size(result['bytesFreed'])} freed.")
                js.location.hash = "#/"
                self.shell.refresh_usage()
            self.shell.run(delete())

        button.addEventListener("click", self.scope.on(click))
        return button

    # -- adding ---------------------------------------------------------------------------

    def _add_zone(self):
        picker = h("input", {"type": "file", "id": "file-input", "multiple": True,
                             "accept": "image/*,video/*,audio/*", "aria-label": "Choose files"})
        picker.addEventListener("change", self.zone_scope.on(lambda _e: self._add_files(picker.files)))
        zone = h("div", {"class": "dropzone", "id": "dropzone"},
                 h("strong", None, "Drop images, videos or audio here"), " or ", picker)

        accept_drops(zone, self.zone_scope, self._add_files)
        data_input = h("textarea", {"id": "dataurl-input", "rows": "2", "placeholder": "data:image/png;base64,…",
                                    "aria-label": "Data URL"})
        data_button = h("button", {"id": "dataurl-save"}, "Save data URL")
        data_button.addEventListener("click", self.zone_scope.on(lambda _e: self._add_one(
            "save_data_url", data_input)))
        url_input = h("input", {"id": "url-input", "type": "url", "placeholder": "https://…/frame.png",
                                "aria-label": "Media URL"})
        url_button = h("button", {"id": "url-save"}, "Save from URL")
        url_button.addEventListener("click", self.zone_scope.on(lambda _e: self._add_one("save_from_url", url_input)))
        self.zone = h("div", {"class": "add"}, zone,
                      h("div", {"class": "row"}, data_input, data_button),
                      h("div", {"class": "row"}, url_input, url_button),
                      h("div", {"id": "add-progress", "class": "progress", "hidden": True},
                        h("progress", {"max": "1", "value": "0"}), h("span", {"class": "progress-text"})))
        return self.zone

    def _progress(self, done: int, total: int, text: str) -> None:
        box = by_id("add-progress")
        if box is None:
            return
        box.hidden = False
        bar = box.querySelector("progress")
        bar.max = total
        bar.value = done
        box.querySelector(".progress-text").textContent = text

    def _add_one(self, method: str, field) -> None:
        value = str(field.value).strip()
        if not value:
            self.shell.notify("Paste a data URL or a link first.", "warn")
            return

        async def add():
            await getattr(self.shell.vault, method)(self.project_id, value, None)
            field.value = ""
            self.shell.notify("Saved.")
        self.shell.run(add())

    def _add_files(self, files) -> None:
        files = [files.item(i) for i in range(files.length)]
        if not files:
            return

        async def add_all():
            self.busy = True
            failed = []
            added = 0
            try:
                for i, file in enumerate(files):
                    self._progress(i, len(files), f"Adding {i + 1} of {len(files)}: {file.name}")
                    try:
                        await self.shell.vault.save_blob(self.project_id, file, {"name": str(file.name)})
                        added += 1
                    except VaultError as err:
                        failed.append(f"{file.name}: {err}")
                        if err.name == "QuotaExceededError":
                            failed.append(f"{len(files) - i - 1} more not tried")
                            break
                self._progress(len(files), len(files), "Done.")
            finally:
                self.busy = False
            self.shell.notify(f"Added {added:,} of {fmt.count(len(files), 'file')}.", "info" if not failed else "warn")
            if failed:
                self.shell.notify("Not added: " + " · ".join(failed), "error")
            self.shell.changed(self.project_id)
        self.shell.run(add_all())


def _whole(raw: str):
    """A frame count as typed: a whole number, or the text itself for the vault to refuse in words."""
    number = float(raw)
    return int(number) if number.is_integer() else number


def _sort_fields(value: str) -> dict:
    return {"sort": value.lstrip("-"), "descending": value.startswith("-")}


def _as_seen_from(project_id: str, change):
    """A file moved out of this project is a deletion here; one moved in, a creation."""
    if not isinstance(change, dict) or change.get("action") != "moved":
        return change
    if change.get("fromProjectId") == project_id:
        return dict(change, action="deleted", projectId=project_id)
    return dict(change, action="created")
