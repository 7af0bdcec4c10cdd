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

    def shows(self, project_id) -> bool:
        return True

    def dispose(self) -> None:
        self.scope.dispose()
        self.form_scope.dispose()

    async def render(self):
        projects = await self.shell.vault.list_projects()
        legacy = await self.shell.bridge.scan_legacy()
        old_scope, self.scope = self.scope, Scope()
        section = h("section", None, h("h1", None, "Projects"), self.form or self._new_project_form())
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
