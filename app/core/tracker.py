"""Tracking generations: polls decided by the schedule, answers fed to the state machines,
finished media stored in the vault, records kept small in localStorage. No I/O of its own.

    tracker = Tracker(vault, AppStorage(kv), provider, clock, random.Random())
    gen_id = await tracker.track("a1,b2,fail3")          # InvalidIdError lists bad IDs
    await tracker.step(gen_id)                           # ask what is due; store what completed
    tracker.next_wake(gen_id)                            # epoch ms of the next thing to do

``provider.get_file(file_id)`` returns ``(http_status, retry_after_header, json_or_None)`` and
raises ``ProviderUnavailable`` when there is no answer (offline, timeout, CORS).
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import replace
from typing import Callable, Protocol

from .changes import Change
from .errors import NotFoundError, VaultError
from .fileids import parse_ids
from .ids import new_ref
from .polling import PollState, Schedule
from .refs import AppStorage
from .status import COMPLETED, FileState, Generation, ProviderError

INDEX = "generations"
MAX_GENERATIONS = 50
PAGE_BYTES = 3_500  # a page of file states, under localStorage's 4 KiB per value
MAX_DOWNLOAD_ATTEMPTS = 6
_SHORT = {"pending": "p", "processing": "r", "completed": "c", "error": "e"}
_LONG = {v: k for k, v in _SHORT.items()}


class ProviderUnavailable(Exception):
    """No answer from the provider (network, timeout, CORS)."""


class ProviderPort(Protocol):
    async def get_file(self, file_id: str) -> tuple[int, str | None, object]: ...


class Tracker:
    def __init__(self, vault, storage: AppStorage, provider: ProviderPort, clock: Callable[[], int],
                 rng: random.Random):
        self.vault = vault
        self.storage = storage
        self.provider = provider
        self.clock = clock
        self.schedule = Schedule(rng)
        self.generations: dict[str, Generation] = {}
        self.polls: dict[tuple[str, str], PollState] = {}
        self.downloads: dict[tuple[str, str], PollState] = {}

    # -- generations ----------------------------------------------------------------------

    async def track(self, ids_text: object, project_id: object = None) -> str:
        file_ids = parse_ids(ids_text)
        if project_id is not None:
            await self.vault.get_project(project_id)  # NotFoundError / InvalidInputError
        gen = Generation.new("g_" + new_ref()[2:], file_ids, project_id, self.clock())
        self.generations[gen.id] = gen
        index = [g for g in self.storage.get(INDEX, []) if isinstance(g, str)] + [gen.id]
        for old in index[:-MAX_GENERATIONS]:
            self._forget(old)
        self.storage.put(INDEX, index[-MAX_GENERATIONS:])
        self._save(gen)
        self.changed(gen.id, "created")
        return gen.id

    def get(self, generation_id: object) -> Generation:
        gen = self.generations.get(generation_id) if isinstance(generation_id, str) else None
        if gen is None and isinstance(generation_id, str):
            gen = self._load(generation_id)
        if gen is None:
            raise NotFoundError(f"There is no generation {str(generation_id)[:80]!r} in this browser.")
        return gen

    def known(self) -> list[str]:
        return [g for g in self.storage.get(INDEX, []) if isinstance(g, str)]

    def find(self, file_ids: list[str], containing: bool = False) -> str | None:
        """The newest generation tracking exactly these IDs (or, ``containing``, all of them
        among others), so a reload resumes it and ``#/file/<id>`` shows the file it is in."""
        for gen_id in reversed(self.known()):
            try:
                tracked = self.get(gen_id).file_ids
            except NotFoundError:
                continue
            if tracked == file_ids or (containing and set(file_ids) <= set(tracked)):
                return gen_id
        return None

    # -- work -----------------------------------------------------------------------------

    def next_wake(self, generation_id: str) -> int | None:
        gen = self.get(generation_id)
        times = [self.polls.get((gen.id, f.file_id), PollState()).next_at for f in gen.files.values()
                 if not f.final or (f.needs_download and f.url is None)]
        times += [self.downloads.get((gen.id, f.file_id), PollState()).next_at
                  for f in gen.files.values() if f.needs_download and f.url]
        times = [t for t in times if t is not None]
        return min(times) if times else None

    def finished(self, generation_id: str) -> bool:
        return self.next_wake(generation_id) is None

    def wake_now(self, generation_id: str) -> None:
        """Back online: ask at once about every unfinished file."""
        for key, state in list(self.polls.items()):
            if key[0] == generation_id:
                self.polls[key] = self.schedule.now_ready(state)

    async def step(self, generation_id: str) -> None:
        """Ask the provider about every file that is due, then store what completed."""
        gen = self.get(generation_id)
        now = self.clock()
        for file in list(gen.files.values()):
            key = (gen.id, file.file_id)
            state = self.polls.get(key, PollState())
            refetch_url = file.needs_download and file.url is None  # after a reload
            if (file.final and not refetch_url) or state.next_at is None or state.next_at > now:
                continue
            self.polls[key] = await self._ask(gen, file, state, now)
        for file in list(gen.files.values()):
            key = (gen.id, file.file_id)
            state = self.downloads.get(key, PollState())
            if file.needs_download and file.url and state.next_at is not None and state.next_at <= now:
                self.downloads[key] = await self._store(gen, file, state)

    async def _ask(self, gen: Generation, file: FileState, state: PollState, now: int) -> PollState:
        try:
            status, retry_after, body = await self.provider.get_file(file.file_id)
        except ProviderUnavailable:
            return self.schedule.after_failure(state, self.clock())
        if status != 200:
            return self.schedule.after_failure(state, self.clock(), status, retry_after)
        try:
            if file.final:  # completed before a reload: only its download URL is needed again
                updated = replace(file, url=FileState(file.file_id).move(COMPLETED, body).url) \
                    if isinstance(body, dict) and body.get("status") == COMPLETED else file
            else:
                updated = file.apply(body)
        except ProviderError as err:
            print(f"provider: {err}")
            return self.schedule.after_failure(state, self.clock())
        self._update(gen, updated)
        return self.schedule.after_answer(state, self.clock(), final=updated.final)

    async def _store(self, gen: Generation, file: FileState, state: PollState) -> PollState:
        params = {"generationId": gen.id, "fileId": file.file_id, "url": file.url}
        if file.thumbnail_url:
            params["thumbnailUrl"] = file.thumbnail_url
        if file.mime:
            params["mime"] = file.mime
        try:
            project_id = await self._project(gen)
            ref = await self.vault.save_from_url(project_id, file.url, {"role": "generated", "params": params})
        except VaultError as err:
            self._update(gen, replace(file, store_error=str(err)[:300]))
            failed = self.schedule.after_failure(state, self.clock())
            return failed if failed.failures < MAX_DOWNLOAD_ATTEMPTS else replace(failed, next_at=None)
        thumb_ref = None
        if file.thumbnail_url:
            try:
                thumb_ref = await self.vault.fetch_thumbnail(ref, file.thumbnail_url)
            except VaultError as err:  # the media is stored; its own preview will do
                print(f"thumbnail for {file.file_id} not stored: {err}")
        self._update(gen, file.stored(ref, thumb_ref))
        return PollState(None, 0)

    async def _project(self, gen: Generation) -> str:
        if gen.project_id is not None:
            try:
                await self.vault.get_project(gen.project_id)
                return gen.project_id
            except NotFoundError:
                pass  # deleted meanwhile: the rest goes into a new one
        stamp = time.strftime("%Y-%m-%d %H:%M", time.gmtime(gen.created_at / 1000))
        title = f"Generation {', '.join(gen.file_ids[:3])}{'…' if len(gen.file_ids) > 3 else ''} ({stamp})"
        gen.project_id = await self.vault.create_project({"title": title[:200]})
        self._save(gen)
        return gen.project_id

    def _update(self, gen: Generation, file: FileState) -> None:
        if gen.files[file.file_id] == file:
            return
        gen.files[file.file_id] = file
        self._save(gen)
        self.changed(gen.id)

    def changed(self, gen_id: str, action: str = "updated") -> None:
        """Told on the vault's change stream: every vault page and host app hears it, and other
        tabs read the generation's record again."""
        gen = self.generations.get(gen_id)
        project_id = (gen.project_id if gen is not None else None) or ""
        self.vault.announce(Change("generation", action, project_id, gen_id=gen_id))

    def reread(self, gen_id: str) -> None:
        """Another tab polls it: its record is read again from storage when next asked for."""
        self.generations.pop(gen_id, None)

    # -- localStorage: small records, paged under 4 KiB -----------------------------------

    def _save(self, gen: Generation) -> None:
        pages: list[list] = [[]]
        size = 0
        for file_id in gen.file_ids:
            f = gen.files[file_id]
            row = [file_id, _SHORT[f.status], f.progress, f.ref, f.thumbnail_ref, (f.error or "")[:120] or None]
            row_size = len(json.dumps(row, ensure_ascii=False).encode()) + 1
            if size + row_size > PAGE_BYTES and pages[-1]:
                pages.append([])
                size = 0
            pages[-1].append(row)
            size += row_size
        old = self.storage.get(f"gen:{gen.id}", {})
        for k, page in enumerate(pages):
            self.storage.put(f"gen:{gen.id}:{k}", page)
        for k in range(len(pages), old.get("pages", 0) if isinstance(old, dict) else 0):
            self.storage.remove(f"gen:{gen.id}:{k}")
        self.storage.put(f"gen:{gen.id}", {"createdAt": gen.created_at, "projectId": gen.project_id,
                                          "pages": len(pages)})

    def _load(self, gen_id: str) -> Generation | None:
        head = self.storage.get(f"gen:{gen_id}")
        if not isinstance(head, dict) or not isinstance(head.get("pages"), int):
            return None
        files = {}
        order = []
        try:
            for k in range(head["pages"]):
                for file_id, status, progress, ref, thumb, error in self.storage.get(f"gen:{gen_id}:{k}") or []:
                    files[file_id] = FileState(file_id, _LONG[status], progress, error=error, ref=ref,
                                               thumbnail_ref=thumb)
                    order.append(file_id)
        except (TypeError, ValueError, KeyError):
            return None  # a damaged record: nothing to resume
        gen = Generation(gen_id, order, head.get("projectId"), head.get("createdAt") or 0, files)
        self.generations[gen_id] = gen
        return gen

    def _forget(self, gen_id: str) -> None:
        head = self.storage.get(f"gen:{gen_id}", {})
        for k in range(head.get("pages", 0) if isinstance(head, dict) else 0):
            self.storage.remove(f"gen:{gen_id}:{k}")
        self.storage.remove(f"gen:{gen_id}")
        self.generations.pop(gen_id, None)
        self.changed(gen_id, "deleted")
