"""``#/``: the projects list, a form to start one, and the localStorage rescue panel."""

from __future__ import annotations

import js

from app.core import fmt

from .dom import Scope, h


class ProjectsView:
    def __init__(self, shell):
        self.shell = shell
        self.scope = Scope()
        # The form outlives redraws (a host app's saves redraw the list) so typing is not lost.
        self.form_scope = Scope()
        self.form = None
        self.importer = None

    def shows(self, project_id) -> bool:
        return True

    def dispose(self) -> None:
        self.scope.dispose()
        self.form_scope.dispose()

    async def render(self):
        projects = await self.shell.vault.list_projects()
        legacy = await self.shell.bridge.scan_legacy()
        old_scope, self.scope = self.scope, Scope()
        section = h("section", None, h("h1", None, "Projects"), self.form or self._new_project_form(),
                    self.importer or self._import_zone())
        if legacy:
            section.appendChild(self._legacy_panel(legacy))
        if not projects:
            section.appendChild(h("p", {"class": "empty"},
                                  "No projects yet. Create one, or let a generator save into the vault."))
        listing = h("ul", {"class": "projects", "id": "projects"})
        for p in reversed(projects):
            listing.appendChild(h("li", {"class": "project-card", "data-project-id": p["id"]},
                                  h("a", {"href": f"#/project/{p['id']}", "class": "project-title"}, p["title"]),
                                  h("span", {"class": "meta"},
                                    f"{p['assetCount']} files · {fmt.size(p['bytes'])} · created "
                                    + str(js.Date.new(p["createdAt"]).toLocaleString()))))
        section.appendChild(listing)
        old_scope.dispose()
        return section

    def _new_project_form(self):
        title_input = h("input", {"name": "title", "placeholder": "New project title", "required": True,
                                  "maxlength": "200", "aria-label": "Project title"})
        self.form = h("form", {"class": "row", "id": "new-project"}, title_input,
                      h("button", {"type": "submit"}, "Create project"))
        self.form.addEventListener("submit", self.form_scope.on(lambda e: self._create(e, title_input)))
        return self.form

    def _import_zone(self):
        picker = h("input", {"type": "file", "id": "import-input", "accept": ".zip,application/zip",
                             "aria-label": "Choose a .zip archive"})
        picker.addEventListener("change", self.form_scope.on(lambda _e: self._import(picker.files, picker)))
        bar = h("progress", {"max": "1", "value": "0"})
        status = h("span", {"class": "progress-text"})
        self._import_progress = h("div", {"id": "import-progress", "class": "progress", "hidden": True}, bar, status)
        zone = h("div", {"class": "dropzone small", "id": "import-zone"},
                 h("strong", None, "Import a project archive (.zip)"), " — drop it here or ", picker)

        def over(event):
            event.preventDefault()
            zone.classList.add("over")

        def leave(_event):
            zone.classList.remove("over")

        def drop(event):
            event.preventDefault()
            zone.classList.remove("over")
            self._import(event.dataTransfer.files, None)

        for name, fn in (("dragover", over), ("dragleave", leave), ("drop", drop)):
            zone.addEventListener(name, self.form_scope.on(fn))
        self.importer = h("div", {"class": "add"}, zone, self._import_progress)
        return self.importer

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
            message = f"Imported {result['assets']} files from {archive.name}."
            if result["skipped"]:
                message += " Skipped: " + "; ".join(result["skipped"][:10])
                if len(result["skipped"]) > 10:
                    message += f" and {len(result['skipped']) - 10} more"
            self.shell.notify(message, "warn" if result["skipped"] else "info")
            js.location.hash = f"#/project/{result['projectId']}"

        self.shell.run(run())

    def _create(self, event, title_input) -> None:
        event.preventDefault()

        async def create():
            project_id = await self.shell.vault.create_project({"title": title_input.value})
            js.location.hash = f"#/project/{project_id}"

        self.shell.run(create())

    def _legacy_panel(self, found: list[dict]):
        total = sum(f["bytes"] for f in found)
        count = sum(f["dataUrls"] for f in found)
        items = h("ul", None, *[
            h("li", None, h("code", None, f["key"]), f": {f['dataUrls']} files, {fmt.size(f['bytes'])}")
            for f in found])
        button = h("button", {"id": "rescue-legacy"}, "Move them into the vault")
        button.addEventListener("click", self.scope.on(lambda _e: self._rescue(button)))
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
            message = f"Moved {result['assets']} files into a new project; freed {fmt.size(result['bytesFreed'])} of localStorage."
            if result["skipped"]:
                message += " Not moved: " + "; ".join(result["skipped"])
            self.shell.notify(message, "warn" if result["skipped"] else "info")
            js.location.hash = f"#/project/{result['projectId']}"

        self.shell.run(rescue())
