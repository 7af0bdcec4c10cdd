"""``#/``: the projects list, a form to start one, and the localStorage rescue panel."""

from __future__ import annotations

import asyncio

import js

from app.core import fmt
from app.core.browse import Browse
from app.core.changes import RECORD_TYPES, Change
from app.core.errors import VaultError
from app.core.fileids import parse_ids

from .dom import Keyed, Scope, accept_drops, h
from .presses import pause

SUMMARY_EVERY_S = 2.0


class ProjectsView:
    def __init__(self, shell):
        self.shell = shell
        # The page's parts and cards outlive redraws (a host app's saves redraw the list), so
        # typing, focus and a click in progress are not lost; only what changed is built again.
        self.form_scope = Scope()
        self.section = h("section")
        self.listing = h("ul", {"class": "projects", "id": "projects"})
        self.parts = Keyed(self.section)
        self.cards = Keyed(self.listing)
        self._shown: dict[str, dict] = {}  # the projects listed, by ID
        self._summaries = None

    def shows(self, change: Change) -> bool:
        return change.type in RECORD_TYPES or change.type == "generation"  # the tracking panel lists generations

    async def apply(self, changes: list) -> bool:
        """Uploads landing (one backup change per asset: thousands in a burst) update the backup
        summaries in place, at most every SUMMARY_EVERY_S; anything else redraws the list."""
        if not all(c.type == "backup" and c.ref for c in changes):
            return False
        if self._summaries is None or self._summaries.done():
            self._summaries = asyncio.ensure_future(self._refresh_summaries())
        return True

    async def _refresh_summaries(self) -> None:
        await pause(SUMMARY_EVERY_S)
        pending = await self.shell.vault.marks.by_project()
        for card in js.document.querySelectorAll("#projects .project-card"):
            project = self._shown.get(str(card.dataset.projectId))
            old = card.querySelector(".backup-state")
            fresh = _backup_summary(project, pending.get(project["id"])) if project else None
            if old is not None and fresh is not None:
                old.replaceWith(fresh)

    def dispose(self) -> None:
        self.parts.dispose()
        self.cards.dispose()
        self.form_scope.dispose()

    async def render(self):
        projects = await self.shell.vault.list_projects()
        legacy = await self.shell.bridge.scan_legacy()
        backing_up = self.shell.backup is not None and self.shell.backup.config is not None
        pending = await self.shell.vault.marks.by_project() if backing_up else {}
        self._shown = {p["id"]: p for p in projects}
        panel = self.shell.backup_panel
        parts = [("title", None, lambda _s: h("h1", None, "Projects")),
                 ("search", None, lambda _s: self._search_form()),
                 ("form", None, lambda _s: self._new_project_form()),
                 ("import", None, lambda _s: self._import_zone()),
                 ("tracking", None, lambda _s: self._tracking_panel())]
        if panel:
            parts.append(("backup", None, lambda _s: panel.element))
        if legacy:
            seen = tuple((f["key"], f["dataUrls"], f["bytes"]) for f in legacy)
            parts.append(("legacy", seen, lambda scope: self._legacy_panel(legacy, scope)))
        if not projects:
            parts.append(("empty", None, lambda _s: h("p", {"class": "empty"}, "No projects yet. Create one, "
                                                      "or let a generator save into the vault.")))
        parts.append(("list", None, lambda _s: self.listing))
        self.parts.update(parts)
        self.cards.update(_card_item(p, backing_up, pending.get(p["id"])) for p in reversed(projects))
        return self.section

    def _search_form(self):
        box = h("input", {"type": "search", "name": "q", "id": "search-projects", "aria-label": "Search every project",
                          "placeholder": "Search every project: names, prompts, params…"})
        form = h("form", {"class": "search-form", "role": "search"}, box, h("button", {"type": "submit"}, "Search"))

        def submit(event):
            event.preventDefault()
            js.location.hash = "#/search?" + Browse(q=str(box.value)).query()
        form.addEventListener("submit", self.form_scope.on(submit))
        return form

    def _new_project_form(self):
        title_input = h("input", {"name": "title", "placeholder": "New project title", "required": True,
                                  "maxlength": "200", "aria-label": "Project title"})
        form = h("form", {"class": "row", "id": "new-project"}, title_input,
                 h("button", {"type": "submit"}, "Create project"))
        form.addEventListener("submit", self.form_scope.on(lambda e: self._create(e, title_input)))
        return form

    def _import_zone(self):
        picker = h("input", {"type": "file", "id": "import-input", "accept": ".zip,application/zip",
                             "aria-label": "Choose a .zip archive"})
        picker.addEventListener("change", self.form_scope.on(lambda _e: self._import(picker.files, picker)))
        bar = h("progress", {"max": "1", "value": "0"})
        status = h("span", {"class": "progress-text"})
        self._import_progress = h("div", {"id": "import-progress", "class": "progress", "hidden": True}, bar, status)
        zone = h("div", {"class": "dropzone small", "id": "import-zone"},
                 h("strong", None, "Import a project archive (.zip)"), " — drop it here or ", picker)

        accept_drops(zone, self.form_scope, lambda files: self._import(files, None))
        return h("div", {"class": "add"}, zone, self._import_progress)

    def _import(self, files, picker) -> None:
        if files is None or files.length == 0:
            return
        archive = files.item(0)
        box = self._import_progress
        bar, status = box.querySelector("progress"), box.querySelector(".progress-text")

        def progress(done, total):
            bar.max = max(total, 1)
            bar.value = done
            status.textContent = f"Checking {archive.name}: {fmt.size(done)} of {fmt.size(total)}"

        async def run():
            box.hidden = False
            status.textContent = f"Reading {archive.name}…"
            try:
                result = await self.shell.bridge.run_import(archive, progress)
            finally:
                box.hidden = True
                if picker is not None:
                    picker.value = ""
            message = f"Imported {fmt.count(result['assets'], 'file')} from {archive.name}."
            if result["skipped"]:
                message += " Skipped: " + "; ".join(result["skipped"][:10])
                if len(result["skipped"]) > 10:
                    message += f" and {len(result['skipped']) - 10} more"
            self.shell.notify(message, "warn" if result["skipped"] else "info")
            js.location.hash = f"#/project/{result['projectId']}"

        self.shell.run(run())

    def _tracking_panel(self):
        recent = self._recent_generations()
        return h("div", {"class": "panel", "id": "tracking"},
                 h("h2", None, "Track a generation"),
                 h("p", {"class": "meta"}, "Paste comma-separated file IDs; finished media is stored "
                   "in the vault so it stays available offline."),
                 self._track_form(),
                 h("details", {"id": "settings"}, h("summary", None, "Status provider"),
                   h("p", {"class": "meta"}, "Where file status is asked: GET <provider>/api/file/<id>. "
                     "Empty means this page's own server."), self._provider_form()),
                 h("details", {"id": "host-apps"}, h("summary", None, "Host apps"),
                   h("p", {"class": "meta"}, "Origins of generator apps allowed to use this vault from their "
                     "own pages (static/vault-client.js), separated by spaces. They can read, save and delete "
                     "your media: list only apps you trust."), self._hosts_form()),
                 h("ul", {"id": "recent-generations"}, *recent) if recent else None)

    def _track_form(self):
        ids = h("input", {"id": "track-ids", "placeholder": "File IDs from your generator: a1, b2, c3",
                          "aria-label": "File IDs to track", "maxlength": "8000"})
        form = h("form", {"class": "row", "id": "track-form"}, ids, h("button", {"type": "submit"}, "Track"))

        def track(event):
            event.preventDefault()
            try:
                valid = parse_ids(str(ids.value))
            except VaultError as err:
                self.shell.notify(str(err), "error")
                return
            js.location.hash = "#/status/" + ",".join(valid)

        form.addEventListener("submit", self.form_scope.on(track))
        return form

    def _provider_form(self):
        url = h("input", {"id": "provider-url", "type": "url", "aria-label": "Status provider URL",
                          "placeholder": str(js.location.origin),
                          "value": self.shell.settings.provider_url(default="") or ""})
        form = h("form", {"class": "row", "id": "provider-form"}, url, h("button", {"type": "submit"}, "Save"))

        def save(event):
            event.preventDefault()
            try:
                result = self.shell.settings.configure({"providerUrl": str(url.value).strip()})
            except VaultError as err:
                self.shell.notify(str(err), "error")
                return
            self.shell.notify(f"Status provider: {result['providerUrl'] or str(js.location.origin) + ' (this page)'}.")

        form.addEventListener("submit", self.form_scope.on(save))
        return form

    def _hosts_form(self):
        origins = h("input", {"id": "host-origins", "aria-label": "Host app origins allowed",
                              "placeholder": "https://generator.example", "maxlength": "6000",
                              "value": " ".join(self.shell.settings.host_origins())})
        form = h("form", {"class": "row", "id": "host-origins-form"}, origins, h("button", {"type": "submit"}, "Save"))

        def save_hosts(event):
            event.preventDefault()
            listed = [o for o in str(origins.value).replace(",", " ").split() if o]
            try:
                result = self.shell.settings.configure({"hostOrigins": listed})
            except VaultError as err:
                self.shell.notify(str(err), "error")
                return
            origins.value = " ".join(result["hostOrigins"])
            self.shell.notify("Host apps allowed: " + (", ".join(result["hostOrigins"]) or "none but this origin") + ".")

        form.addEventListener("submit", self.form_scope.on(save_hosts))
        return form

    def _recent_generations(self) -> list:
        recent = []
        for gen_id in reversed(self.shell.tracker.known()[-5:]):
            try:
                gen = self.shell.tracker.get(gen_id)
            except VaultError:
                continue
            recent.append(h("li", None, h("a", {"href": "#/status/" + ",".join(gen.file_ids)},
                                          ", ".join(gen.file_ids[:5]) + ("…" if len(gen.file_ids) > 5 else "")),
                            f" · {gen.status()} · {gen.progress():.0f}%"))
        return recent

    def _create(self, event, title_input) -> None:
        event.preventDefault()

        async def create():
            project_id = await self.shell.vault.create_project({"title": title_input.value})
            js.location.hash = f"#/project/{project_id}"

        self.shell.run(create())

    def _legacy_panel(self, found: list[dict], scope: Scope):
        total = sum(f["bytes"] for f in found)
        count = sum(f["dataUrls"] for f in found)
        items = h("ul", None, *[
            h("li", None, h("code", None, f["key"]), f": {fmt.count(f['dataUrls'], 'file')}, {fmt.size(f['bytes'])}")
            for f in found])
        button = h("button", {"id": "rescue-legacy"}, "Move them into the vault")
        button.addEventListener("click", scope.on(lambda _e: self._rescue(button)))
        return h("div", {"class": "panel warn", "id": "legacy-panel"},
                 h("h2", None, "Media found in localStorage"),
                 h("p", None, f"{count} base64 files ({fmt.size(total)}) are stored in localStorage, which "
                   "fills up at about 5 MB and then loses new work. Moving them stores the media in the "
                   "vault and replaces each one with a short vault: reference; every other field stays."),
                 items, button)

    def _rescue(self, button) -> None:
        button.disabled = True
        button.textContent = "Moving…"

        async def rescue():
            try:
                result = await self.shell.bridge.rescue_legacy()
            finally:
                button.disabled = False
            message = f"Moved {fmt.count(result['assets'], 'file')} into a new project; freed {fmt.size(result['bytesFreed'])} of localStorage."
            if result["skipped"]:
                message += " Not moved: " + "; ".join(result["skipped"])
            self.shell.notify(message, "warn" if result["skipped"] else "info")
            js.location.hash = f"#/project/{result['projectId']}"

        self.shell.run(rescue())


def _card_item(p: dict, backing_up: bool, pending: dict | None):
    """The project's card for ``Keyed``: built again only when what it shows changed."""
    signature = (p["title"], p["assetCount"], p["bytes"], p["createdAt"], backing_up,
                 pending and (pending["queued"], pending["failed"]))

    def build(_scope):
        return h("li", {"class": "project-card", "data-project-id": p["id"]},
                 h("a", {"href": f"#/project/{p['id']}", "class": "project-title"}, p["title"]),
                 h("span", {"class": "meta"},
                   f"{fmt.count(p['assetCount'], 'file')} · {fmt.size(p['bytes'])} · created "
                   + str(js.Date.new(p["createdAt"]).toLocaleString()),
                   _backup_summary(p, pending) if backing_up else None))

    return p["id"], signature, build


def _backup_summary(project: dict, pending: dict | None):
    """The project's backup state: how many wait or failed (the cards say which and why)."""
    if not project["assetCount"]:
        return None
    if not pending:
        return h("span", {"class": "backup-state uploaded"}, " · all backed up")
    parts = []
    if pending["queued"]:
        parts.append(f"{pending['queued']} waiting for backup")
    if pending["failed"]:
        parts.append(f"{pending['failed']} failed to back up")
    return h("span", {"class": "backup-state " + ("failed" if pending["failed"] else "queued")},
             " · " + ", ".join(parts))
