"""``#/status/<id1,id2,...>`` and ``#/file/<id>``: generation status, file by file.

Opening the route tracks its valid IDs (or finds the generation already tracking them, so a
reload resumes it) and reports the invalid ones. Every ID and every word from the provider goes
in as text; media shows once it is stored in the vault, from the vault's own Blobs.
"""

from __future__ import annotations

import js

from app.core import fmt
from app.core.changes import Change
from app.core.fileids import MAX_IDS, describe, split_ids
from app.core.status import COMPLETED, ERROR, PENDING, PROCESSING

from .dom import Keyed, h

LABELS = {PENDING: "Waiting to start", PROCESSING: "Generating", COMPLETED: "Done", ERROR: "Failed"}


class StatusView:
    def __init__(self, shell, ids_text: str, single: bool = False):
        self.shell = shell
        self.single = single
        self.valid, self.invalid = split_ids(ids_text)
        if single and "," in ids_text:
            self.valid, self.invalid = [], [ids_text.strip()]
        self.over = self.valid[MAX_IDS:]
        self.valid = self.valid[:MAX_IDS]
        self.gen_id = None
        self.section = h("section", {"class": "status"})
        self.files = h("ul", {"class": "grid", "id": "files"})
        self.parts = Keyed(self.section)
        self.cards = Keyed(self.files)

    def shows(self, change: Change) -> bool:
        if change.type == "store":
            return True
        return change.type == "generation" and self.gen_id is not None and change.gen_id == self.gen_id

    def dispose(self) -> None:
        self.parts.dispose()
        self.cards.dispose()

    async def _generation(self):
        tracker, poller = self.shell.tracker, self.shell.poller
        if self.gen_id is None and self.valid:
            self.gen_id = tracker.find(self.valid, containing=self.single) or await tracker.track(",".join(self.valid))
        if self.gen_id is not None:
            poller.start(self.gen_id)
            return tracker.get(self.gen_id)
        return None

    async def render(self):
        """Every poll redraws this page; only the parts and cards whose content changed are built
        again, so a link being clicked stays in the document (see ``Keyed``)."""
        gen = await self._generation()
        title = "File status" if self.single else "Generation status"
        parts = [("nav", None, lambda _s: h("nav", None, h("a", {"href": "#/"}, "← Projects"))),
                 ("title", None, lambda _s: h("h1", None, title))]
        if self.invalid or self.over:
            parts.append(("problems", None, lambda _s: self._problems()))
        if gen is None:
            parts.append(("empty", None, lambda _s: h("p", {"class": "empty"}, "No valid file IDs to track.")))
            self.parts.update(parts)
            return self.section
        if self.single:
            parts.append(("whole", tuple(gen.file_ids), lambda _s: self._whole(gen)))
        else:
            counts = gen.counts()
            parts.append(("overall", (gen.status(), f"{gen.progress():.1f}", tuple(sorted(counts.items())),
                                      gen.project_id), lambda _s: self._overall(gen, counts)))
        parts.append(("files", None, lambda _s: self.files))
        self.parts.update(parts)
        files = [gen.files[i] for i in (self.valid if self.single else gen.file_ids)]
        metas = {f.ref: await self.shell.vault.get_meta(f.ref) for f in files if f.ref}
        signatures = {f.file_id: _signature(f, metas.get(f.ref)) for f in files}
        changed = [f for f in files if self.cards.stale(f.file_id, signatures[f.file_id])]
        refs = [r for f in changed for r in (f.ref, f.thumbnail_ref, (metas.get(f.ref) or {}).get("thumbnailRef"))
                if r]
        blobs = await self.shell.vault.get_blobs(refs) if refs else {}
        self.cards.update((f.file_id, signatures[f.file_id],
                           lambda scope, f=f: self._card(f, blobs, metas.get(f.ref), scope)) for f in files)
        return self.section

    def _whole(self, gen):
        return h("p", {"class": "meta"}, "Part of ",
                 h("a", {"href": "#/status/" + ",".join(gen.file_ids), "id": "whole-generation"},
                   f"a generation of {fmt.count(len(gen.file_ids), 'file')}"), ".")

    def _problems(self):
        items = [h("li", None, "Not a valid file ID (1-64 letters, digits, '_' or '-'): ", h("code", None, describe(b)))
                 for b in self.invalid[:50]]
        if len(self.invalid) > 50:
            items.append(h("li", None, f"… and {len(self.invalid) - 50} more invalid items."))
        if self.over:
            items.append(h("li", None, f"{len(self.valid) + len(self.over)} IDs given; a generation tracks at most "
                                       f"{MAX_IDS}, so the first {MAX_IDS} are tracked."))
        return h("div", {"class": "panel warn", "id": "invalid-ids", "role": "alert"},
                 h("strong", None, "Some of the address was not used:"), h("ul", None, *items))

    def _overall(self, gen, counts):
        finished = counts[COMPLETED] + counts[ERROR]
        text = (f"{finished} of {len(gen.file_ids)} finished · {counts[COMPLETED]} completed · "
                f"{counts[ERROR]} failed · {counts['stored']} stored in the vault")
        link = (h("a", {"href": f"#/project/{gen.project_id}", "id": "generation-project"}, "Open the project")
                if gen.project_id else None)
        return h("div", {"class": "overall", "id": "overall", "data-status": gen.status()},
                 h("progress", {"id": "overall-progress", "max": "100", "value": f"{gen.progress():.1f}",
                                "aria-label": "Overall progress"}),
                 h("span", {"class": "overall-text"}, f"{gen.progress():.0f}% · {text}"), " ", link)

    def _card(self, f, blobs, meta, scope):
        preview = None
        blob = blobs.get(f.ref) if f.ref else None
        if meta and blob is not None:
            thumb = blobs.get(meta.get("thumbnailRef") or f.thumbnail_ref)
            if meta["kind"] == "image":
                preview = h("img", {"src": scope.object_url(thumb or blob), "alt": f.file_id})
            elif meta["kind"] == "video":
                preview = h("video", {"src": scope.object_url(blob), "controls": True, "preload": "metadata",
                                      "poster": scope.object_url(thumb) if thumb else None})
            else:
                preview = h("audio", {"src": scope.object_url(blob), "controls": True, "preload": "metadata"})
        progress = 100 if f.final else (f.progress or 0)
        status = LABELS[f.status] + (f" · {f.progress:.0f}%" if f.status == PROCESSING and f.progress is not None
                                     else "")
        if f.status == COMPLETED:
            status += " · stored in the vault" if f.ref else " · downloading into the vault…"
        return h("li", {"class": "file-card", "data-file-id": f.file_id, "data-status": f.status,
                        "data-stored": "true" if f.ref else None},
                 h("div", {"class": "preview"}, preview) if preview else None,
                 h("a", {"class": "asset-name", "href": f"#/file/{js.encodeURIComponent(f.file_id)}"}, f.file_id),
                 h("progress", {"class": "file-progress", "max": "100", "value": str(progress)}),
                 h("div", {"class": "file-status"}, status),
                 h("div", {"class": "file-error"}, f.error) if f.error else None,
                 h("div", {"class": "file-store-error"}, f"Could not store it yet: {f.store_error}")
                 if f.store_error and not f.ref else None,
                 h("div", {"class": "meta"}, f"{meta['mime']} · {fmt.size(meta['size'])}") if meta else None)


def _signature(f, meta: dict | None) -> tuple:
    """What a file's card shows; the card is built again only when this changes."""
    return (f.status, f.progress, f.final, f.ref, f.thumbnail_ref, f.error, f.store_error,
            meta and (meta["kind"], meta["mime"], meta["size"], meta.get("thumbnailRef")))
