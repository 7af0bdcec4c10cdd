"""The project page's head: its title and fields (edited in place), its summary, Export and Delete."""

from __future__ import annotations

import js

from app.core import fmt
from app.core.model import PROJECT_FIELDS

from .dom import by_id, h, save_as

class ProjectHead:
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

    def _export_button(self):
        button = h("button", {"id": "export-project"}, "Export .zip")

        def click(_event):
            async def export():
                button.disabled = True
                button.textContent = "Exporting…"

                def progress(done, total):
                    button.textContent = f"Checksumming… {100 * done // max(total, 1)}%"
                try:
                    name, blob, missing = await self.shell.vault.export_project(
                        self.project_id, int(js.Date.now()), progress)
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


def _whole(raw: str):
    """A frame count as typed: a whole number, or the text itself for the vault to refuse in words."""
    number = float(raw)
    return int(number) if number.is_integer() else number
