"""``#/project/<id>``: the asset grid with players, adding media, and deleting."""

from __future__ import annotations

import js
from pyodide.ffi import create_once_callable

from app.core import fmt, transfer
from app.core.errors import InvalidInputError, NotFoundError, VaultError

from .dom import Scope, accept_drops, by_id, h


class ProjectView:
    def __init__(self, shell, project_id: str):
        self.shell = shell
        self.project_id = project_id
        self.scope = Scope()
        # The add zone outlives redraws: a redraw must not wipe what the user is typing.
        self.zone_scope = Scope()
        self.zone = None
        self.busy = False
        self.delete_armed = False

    def shows(self, project_id) -> bool:
        # A redraw mid-add would drop the progress bar; the add redraws once at its end.
        return not self.busy and project_id in (None, self.project_id)

    def dispose(self) -> None:
        self.scope.dispose()
        self.zone_scope.dispose()

    async def render(self):
        vault = self.shell.vault
        try:
            project = await vault.get_project(self.project_id)
            # Checks the project again: it may have gone between the two reads (deleted in
            # another tab, site data cleared).
            assets = await vault.list_assets(self.project_id)
        except (NotFoundError, InvalidInputError) as err:  # a stale or mistyped link
            return h("section", {"class": "empty"}, h("h1", None, "Project not found"),
                     h("p", None, str(err)), h("a", {"href": "#/"}, "Back to your projects"))
        thumbs = {m["ref"]: m for m in assets if m["role"] == "thumbnail"}
        media = [m for m in assets if m["role"] != "thumbnail"]
        old_scope, self.scope = self.scope, Scope()
        blobs = await vault.get_blobs([m["ref"] for m in assets])
        grid = h("ul", {"class": "grid", "id": "assets"})
        for meta in media:
            thumb_ref = meta.get("thumbnailRef")
            thumb = blobs.get(thumb_ref) if thumb_ref in thumbs else None
            grid.appendChild(self._card(meta, blobs.get(meta["ref"]), thumb))
        old_scope.dispose()
        total = sum(m["size"] for m in assets)
        return h("section", None,
                 h("nav", None, h("a", {"href": "#/"}, "← Projects")),
                 h("div", {"class": "project-head"},
                   h("h1", None, project["title"]),
                   h("span", {"class": "meta", "id": "project-summary"},
                     f"{len(media)} files · {fmt.size(total)}"),
                   self._export_button(), self._delete_project_button(len(assets))),
                 h("p", {"class": "meta"}, project["prompt"]) if project.get("prompt") else None,
                 self.zone or self._add_zone(),
                 grid if media else h("p", {"class": "empty"}, "No media yet: drop files above."))

    # -- cards ----------------------------------------------------------------------------

    def _card(self, meta: dict, blob, thumb):
        name = meta["name"]
        if blob is None:
            preview = h("div", {"class": "missing"},
                        h("strong", None, "File missing"),
                        h("span", None, "The stored bytes are gone; regenerate it with:"),
                        h("code", None, fmt.params_summary(meta["params"], 400) or "(no parameters saved)"))
        elif meta["kind"] == "image":
            preview = h("img", {"src": self.scope.object_url(thumb or blob), "alt": name, "loading": "lazy",
                                "data-preview": "thumbnail" if thumb else "original"})
        elif meta["kind"] == "video":
            preview = h("video", {"src": self.scope.object_url(blob), "controls": True, "preload": "metadata",
                                  "poster": self.scope.object_url(thumb) if thumb else None})
        else:
            preview = h("audio", {"src": self.scope.object_url(blob), "controls": True, "preload": "metadata"})
        actions = h("div", {"class": "actions"})
        if blob is not None:
            actions.appendChild(h("a", {"class": "button small", "href": self.scope.object_url(blob),
                                        "download": name}, "Download"))
        copy = h("button", {"class": "small"}, "Copy ref")
        copy.addEventListener("click", self.scope.on(lambda _e: self._copy(meta["ref"])))
        delete = h("button", {"class": "small danger"}, "Delete")
        delete.addEventListener("click", self.scope.on(lambda _e: self._delete_asset(meta)))
        actions.append(copy, delete)
        return h("li", {"class": "asset-card", "data-ref": meta["ref"], "data-kind": meta["kind"],
                        "data-missing": "true" if blob is None else None},
                 h("div", {"class": "preview"}, preview),
                 h("div", {"class": "asset-name", "title": name}, name),
                 h("div", {"class": "meta"}, f"{meta['role']} · {meta['mime']} · {fmt.size(meta['size'])}"),
                 h("div", {"class": "params"}, fmt.params_summary(meta["params"])) if meta["params"] else None,
                 actions)

    def _copy(self, ref: str) -> None:
        async def copy():
            try:
                await js.navigator.clipboard.writeText(ref)
                self.shell.notify(f"Copied {ref}.")
            except Exception:
                self.shell.notify(f"The browser blocked the clipboard; the ref is {ref}.", "warn")
        self.shell.run(copy())

    def _delete_asset(self, meta: dict) -> None:
        async def delete():
            await self.shell.vault.delete_asset(meta["ref"])
            self.shell.notify(f"Deleted {meta['name']}.")
        self.shell.run(delete())

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
                url = js.URL.createObjectURL(blob)
                link = h("a", {"href": url, "download": name, "hidden": True})
                js.document.body.appendChild(link)
                link.click()
                link.remove()
                js.setTimeout(create_once_callable(lambda: js.URL.revokeObjectURL(url)), 60_000)
                self.shell.notify(f"Exported {name} ({fmt.size(int(blob.size))}).")
                if missing:
                    self.shell.notify("Left out (their stored bytes are gone): " + ", ".join(missing), "warn")
            self.shell.run(export())

        button.addEventListener("click", self.scope.on(click))
        return button

    def _delete_project_button(self, count: int):
        # Armed by the first click; the state lives on the view, so a redraw in between (a
        # preview arriving) does not disarm it.
        label = f"Really delete it and its {count} files?" if self.delete_armed else "Delete project"
        button = h("button", {"class": "danger", "id": "delete-project"}, label)

        def click(_event):
            if not self.delete_armed:
                self.delete_armed = True
                button.textContent = f"Really delete it and its {count} files?"
                return

            async def delete():
                result = await self.shell.vault.delete_project(self.project_id)
                self.shell.notify(f"Deleted the project: {result['assetsDeleted']} files, "
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
            self.shell.notify(f"Added {added} of {len(files)} files.", "info" if not failed else "warn")
            if failed:
                self.shell.notify("Not added: " + " · ".join(failed), "error")
            self.shell.changed(self.project_id)
        self.shell.run(add_all())
