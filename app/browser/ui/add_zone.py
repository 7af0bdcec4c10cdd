"""The project page's add zone: files dropped or picked, a URL, a data URL; progress while they go in."""

from __future__ import annotations

from app.core import fmt
from app.core.errors import VaultError

from .dom import accept_drops, by_id, h

class AddZone:
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
            self.shell.render()  # the changes made meanwhile were not drawn (the view was busy)
        self.shell.run(add_all())
