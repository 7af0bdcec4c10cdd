"""The Backup panel on ``#/``: settings with a connection test, progress, and the projects that
exist only in the bucket (Restore, Delete from backup).

It lives as long as the page (typing survives the list's redraws) and redraws its own status
when the backup reports progress, never the whole view. The bucket is listed only when the
person opens the panel or asks, not on every redraw.
"""

from __future__ import annotations

import asyncio

import js

from app.core import fmt
from app.core.errors import VaultError

from .dom import Scope, append, clear, h
from .presses import Held, pause

FIELDS = [("endpoint", "Endpoint", "https://s3.us-east-1.amazonaws.com", "url"),
          ("region", "Region", "us-east-1 (R2: auto)", "text"),
          ("bucket", "Bucket", "my-vault-backup", "text"),
          ("prefix", "Prefix (optional)", "vault", "text"),
          ("accessKeyId", "Access key ID", "a key scoped to this bucket", "text"),
          ("secretAccessKey", "Secret access key", "kept in this browser's IndexedDB only", "password"),
          ("signerUrl", "Or a signer URL", "your server signs instead (no keys here)", "url")]
STATUS_EVERY_S = 0.25


class BackupPanel:
    def __init__(self, shell, backup):
        self.shell = shell
        self.backup = Held(backup)  # see presses.py
        self.scope = Scope()
        self.inputs: dict = {}
        self.status_el = h("div", {"id": "backup-status", "aria-live": "polite"})
        self.error_el = h("p", {"id": "backup-error", "class": "error", "role": "alert", "hidden": True})
        self.remote_el = h("div", {"id": "backup-remote"})
        self.form = self._form()
        self.element = h("details", {"class": "panel", "id": "backup"},
                         h("summary", None, h("h2", None, "Backup to your S3 bucket")),
                         h("p", {"class": "meta"}, "Optional. Copies every file to a bucket you own (AWS S3, R2, "
                           "B2, MinIO, SeaweedFS…) as it is saved, so a cleared browser or another device can "
                           "get it back. The vault works the same without it."),
                         self.status_el, self.error_el, self.form, self.remote_el)
        self.element.addEventListener("toggle", self.scope.on(lambda _e: self._opened()))
        self._pending = None
        self._listing = 0
        self.refresh()

    # -- settings -------------------------------------------------------------------------------

    def _form(self):
        rows = []
        for name, label, hint, kind in FIELDS:
            self.inputs[name] = h("input", {"name": name, "type": kind, "placeholder": hint, "autocomplete": "off",
                                            "aria-label": label, "spellcheck": "false"})
            rows.append(h("label", None, h("span", None, label), self.inputs[name]))
        for name, label, checked in (("pathStyle", "Path-style URLs (MinIO, SeaweedFS, R2)", True),
                                     ("checksums", "Send CRC-32 checksums (turn off for R2 and B2)", True)):
            self.inputs[name] = h("input", {"type": "checkbox", "name": name, "checked": checked})
            rows.append(h("label", {"class": "check"}, self.inputs[name], label))
        save = h("button", {"type": "submit", "id": "backup-save"}, "Test connection and turn on")
        form = h("form", {"id": "backup-form", "class": "stack"}, *rows, h("div", {"class": "row"}, save))
        form.addEventListener("submit", self.scope.on(lambda e: self._save(e, save)))
        return form

    def _save(self, event, button) -> None:
        event.preventDefault()
        options = {}
        for name, *_ in FIELDS:
            value = str(self.inputs[name].value).strip()
            if value:
                options[name] = value
        options["pathStyle"] = bool(self.inputs["pathStyle"].checked)
        options["checksums"] = bool(self.inputs["checksums"].checked)
        button.disabled = True
        button.textContent = "Testing the connection…"

        async def save():
            try:
                shown = await self.backup.configure(options)
            except VaultError as err:
                self._error(err)
                return
            finally:
                button.disabled = False
                button.textContent = "Test connection and turn on"
            self.inputs["secretAccessKey"].value = ""
            self.element.classList.remove("editing")
            self._error(None)
            self.shell.notify(f"Backup is on: bucket {shown['bucket']} at {shown['endpoint']}.")
            self.refresh()
            await self._list_remote()

        self.shell.run(save())

    def _error(self, err: VaultError | None) -> None:
        self.error_el.hidden = err is None
        self.error_el.textContent = f"{err.name}: {err}" if err else ""

    # -- status ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Redraw the status soon (progress arrives per batch of uploads: at most 4 redraws a second)."""
        if self._pending is None or self._pending.done():
            self._pending = asyncio.ensure_future(self._draw_status())

    async def _draw_status(self) -> None:
        await pause(STATUS_EVERY_S)
        try:
            status = await self.backup.status()
        except VaultError as err:
            self._error(err)
            return
        clear(self.status_el)
        self.form.hidden = bool(status["enabled"]) and not self.element.classList.contains("editing")
        if not status["enabled"]:
            append(self.status_el, h("p", None, "Backup is off."),
                   h("p", {"class": "error"}, status["lastError"]) if status["lastError"] else None)
            return
        done, waiting = status["uploaded"], status["queued"]
        bar = h("progress", {"max": str(max(done + waiting, 1)), "value": str(done), "id": "backup-progress"})
        line = f"{done} backed up · {waiting} waiting ({fmt.size(status['bytesQueued'])})"
        if status["uploading"]:
            line += f" · {status['uploading']} uploading ({fmt.size(status['bytesSent'])} sent so far)"
        if status["failed"]:
            line += f" · {status['failed']} failed (Sync now retries them)"
        synced = (" · last sync " + str(js.Date.new(status["lastSyncAt"]).toLocaleString())
                  if status["lastSyncAt"] else "")
        sync = h("button", {"id": "backup-sync"}, "Sync now")
        sync.addEventListener("click", self.scope.on(lambda _e: self._sync(sync)))
        edit = h("button", {"class": "secondary"}, "Change settings")
        edit.addEventListener("click", self.scope.on(lambda _e: self._edit(status)))
        off = h("button", {"class": "danger", "id": "backup-off"}, "Turn off")
        off.addEventListener("click", self.scope.on(lambda _e: self._turn_off()))
        append(self.status_el,
               h("p", None, f"Backing up to bucket {status['bucket']} at {status['endpoint']}"
                 + (f", under {status['prefix']}/" if status["prefix"] else "")
                 + (f", each request signed by {status['signerUrl']}." if status.get("signerUrl") else
                    f" with key {status['accessKeyId']} ({status['secretAccessKey']}).")),
               h("div", {"class": "progress"}, bar, h("span", {"class": "progress-text", "id": "backup-counts"},
                                                       line + synced)),
               h("p", {"class": "error", "id": "backup-last-error"}, status["lastError"]) if status["lastError"] else None,
               h("div", {"class": "row"}, sync, edit, off))

    def _edit(self, status: dict) -> None:
        for name in ("endpoint", "region", "bucket", "prefix", "accessKeyId", "signerUrl"):
            self.inputs[name].value = status.get(name) or ""
        self.inputs["pathStyle"].checked = bool(status.get("pathStyle"))
        self.inputs["checksums"].checked = bool(status.get("checksums"))
        self.element.classList.add("editing")
        self.form.hidden = False
        self.inputs["secretAccessKey"].focus()

    def _sync(self, button) -> None:
        button.disabled = True
        button.textContent = "Syncing…"

        async def sync():
            try:
                result = await self.backup.sync_now()
            finally:
                button.disabled = False
                button.textContent = "Sync now"
            self.shell.notify(f"Synced: {result['uploaded']} uploaded, {result['downloaded']} brought in from other "
                              f"devices, {result['deleted']} deleted as other devices did.")
            await self._list_remote()

        self.shell.run(sync())

    def _turn_off(self) -> None:
        if not js.window.confirm("Turn backup off? Nothing is deleted, here or in the bucket; the saved keys "
                                 "are forgotten on this device."):
            return

        async def off():
            await self.backup.configure(None)
            self.element.classList.remove("editing")
            clear(self.remote_el)
            self.shell.notify("Backup is off. Your files stay on this device and in the bucket.")
            self.refresh()

        self.shell.run(off())

    # -- projects in the bucket -------------------------------------------------------------------

    def _opened(self) -> None:
        if self.element.open and self.backup.config is not None:
            self.shell.run(self._list_remote())

    async def _list_remote(self) -> None:
        # Only the latest listing draws: one begun before a deletion must not bring its row back.
        self._listing += 1
        mine = self._listing
        if self.backup.config is None:
            clear(self.remote_el)
            return
        refresh = h("button", {"class": "secondary", "id": "backup-list"}, "Refresh")
        refresh.addEventListener("click", self.scope.on(lambda _e: self.shell.run(self._list_remote())))
        try:
            projects = await self.backup.list_remote_projects()
        except VaultError as err:
            if mine == self._listing:
                clear(self.remote_el)
                append(self.remote_el, h("p", {"class": "error"}, f"Could not list the bucket: {err}"), refresh)
            return
        if mine != self._listing:
            return
        clear(self.remote_el)
        only_remote = [p for p in projects if not p["local"]]
        rows = []
        for p in only_remote:
            restore = h("button", None, "Restore")
            restore.addEventListener("click", self.scope.on(lambda _e, p=p, b=restore: self._restore(p, b)))
            delete = h("button", {"class": "danger"}, "Delete from backup")
            delete.addEventListener("click", self.scope.on(lambda _e, p=p: self._delete_remote(p)))
            what = ("upload not finished" if p.get("incomplete") else
                    f"{fmt.count(p['assetCount'], 'file')} · {fmt.size(p['bytes'])}")
            rows.append(h("li", {"class": "project-card", "data-remote-project-id": p["id"]},
                          h("span", {"class": "project-title"}, p["title"] or p["id"]),
                          h("span", {"class": "meta"}, what), restore, delete))
        append(self.remote_el,
               h("h3", None, f"Only in the backup ({len(only_remote)})"),
               h("ul", {"class": "projects", "id": "remote-projects"}, *rows) if rows else
               h("p", {"class": "meta"}, "Every project in the bucket is on this device too."),
               refresh)

    def _restore(self, project: dict, button) -> None:
        button.disabled = True
        button.textContent = "Restoring…"

        async def restore():
            try:
                result = await self.backup.restore_project(project["id"])
            finally:
                button.disabled = False
                button.textContent = "Restore"
            self.shell.notify(f"Restored {fmt.count(result['assets'], 'file')} ({fmt.size(result['bytes'])}), every one checked.")
            js.location.hash = f"#/project/{result['projectId']}"

        self.shell.run(restore())

    def _delete_remote(self, project: dict) -> None:
        if not js.window.confirm(f"Delete \u201c{project['title'] or project['id']}\u201d from the bucket? Its "
                                 f"{fmt.count(project['assetCount'], 'file')} there are removed for good; this device does not "
                                 "have them."):
            return

        async def delete():
            result = await self.backup.delete_remote_project(project["id"])
            self.shell.notify(f"Deleted {result['objectsDeleted']} objects from the backup.")
            await self._list_remote()

        self.shell.run(delete())

    def dispose(self) -> None:
        self.scope.dispose()
