"""Generation status without I/O: each file's state machine, and the generation's overall state.

    file = FileState("a1")
    file = file.apply(provider_json)        # a provider answer; illegal moves raise
    gen = Generation.new("g_x", ["a1", "b2"], project_id=None, created_at=now)
    gen.progress(), gen.status()

File statuses (the provider's, a contract): pending -> processing -> completed | error. A file at
a final status never changes again; a completed file is then stored in the vault (``ref``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .errors import VaultError

PENDING, PROCESSING, COMPLETED, ERROR = "pending", "processing", "completed", "error"
FINAL = (COMPLETED, ERROR)
# The table: which status may follow which (staying put is always allowed before the end).
TRANSITIONS = {
    PENDING: {PENDING, PROCESSING, COMPLETED, ERROR},
    PROCESSING: {PROCESSING, COMPLETED, ERROR},
    COMPLETED: set(),
    ERROR: set(),
}
MAX_TEXT = 500
MAX_URL = 2048


class ProviderError(VaultError):
    """The provider said something that cannot be true (an illegal move, a malformed answer)."""

    name = "ProviderError"


def _url(value: object) -> str | None:
    if isinstance(value, str) and value.lower().startswith(("http://", "https://")) and len(value) <= MAX_URL:
        return value
    return None


@dataclass(frozen=True)
class FileState:
    file_id: str
    status: str = PENDING
    progress: float | None = None
    url: str | None = None
    thumbnail_url: str | None = None
    mime: str | None = None
    error: str | None = None
    ref: str | None = None  # once completed media is stored in the vault
    thumbnail_ref: str | None = None
    store_error: str | None = None  # why storing failed last (it is retried)

    @property
    def final(self) -> bool:
        return self.status in FINAL

    def apply(self, answer: object) -> "FileState":
        """The state after a provider answer: ``{"id", "status", "progress"?, "url"?, ...}``."""
        if not isinstance(answer, dict):
            raise ProviderError(f"{self.file_id}: the provider's answer is not a JSON object.")
        status = answer.get("status")
        if status not in TRANSITIONS:
            raise ProviderError(f"{self.file_id}: unknown status {str(status)[:40]!r} from the provider.")
        if answer.get("id") not in (None, self.file_id):
            raise ProviderError(f"{self.file_id}: the provider answered for another ID.")
        return self.move(status, answer)

    def move(self, status: str, answer: dict | None = None) -> "FileState":
        if status not in TRANSITIONS[self.status] and not (status == self.status and not self.final):
            raise ProviderError(f"{self.file_id}: {self.status} cannot become {status}.")
        answer = answer or {}
        progress = answer.get("progress")
        if isinstance(progress, bool) or not isinstance(progress, (int, float)) or not 0 <= progress <= 100:
            progress = None
        if status == COMPLETED:
            progress = 100
            if _url(answer.get("url")) is None:
                raise ProviderError(f"{self.file_id}: completed, but without an http(s) url to download.")
        error = answer.get("error")
        return replace(
            self, status=status, progress=progress,
            url=_url(answer.get("url")) or self.url,
            thumbnail_url=_url(answer.get("thumbnailUrl")) or self.thumbnail_url,
            mime=str(answer["mime"])[:100] if isinstance(answer.get("mime"), str) else self.mime,
            error=(str(error)[:MAX_TEXT] if error is not None else "The provider reported an error.")
            if status == ERROR else None)

    def stored(self, ref: str, thumbnail_ref: str | None = None) -> "FileState":
        return replace(self, ref=ref, thumbnail_ref=thumbnail_ref, store_error=None)

    @property
    def needs_download(self) -> bool:
        return self.status == COMPLETED and self.ref is None


@dataclass
class Generation:
    id: str
    file_ids: list[str]
    project_id: str | None
    created_at: int
    files: dict[str, FileState] = field(default_factory=dict)

    @classmethod
    def new(cls, generation_id: str, file_ids: list[str], project_id: str | None, created_at: int):
        return cls(generation_id, list(file_ids), project_id, created_at, {f: FileState(f) for f in file_ids})

    def progress(self) -> float:
        """Percent done: finished files count whole, processing files by their own progress."""
        if not self.file_ids:
            return 100.0
        done = 0.0
        for f in self.files.values():
            if f.final:
                done += 1
            elif f.status == PROCESSING and f.progress is not None:
                done += f.progress / 100
        return round(100 * done / len(self.file_ids), 1)

    def status(self) -> str:
        states = [f.status for f in self.files.values()]
        if all(s == PENDING for s in states):
            return PENDING
        if not all(s in FINAL for s in states):
            return PROCESSING
        return ERROR if ERROR in states else COMPLETED

    def counts(self) -> dict:
        out = {s: 0 for s in TRANSITIONS}
        for f in self.files.values():
            out[f.status] += 1
        out["stored"] = sum(1 for f in self.files.values() if f.ref)
        return out

    def summary(self) -> dict:
        """The bridge's ``generation()`` shape (a contract)."""
        return {"id": self.id, "fileIds": list(self.file_ids), "status": self.status(), "progress": self.progress(),
                "projectId": self.project_id, "createdAt": self.created_at,
                "files": [{"fileId": f.file_id, "status": f.status, "progress": f.progress, "ref": f.ref,
                           "error": f.error} for f in (self.files[i] for i in self.file_ids)]}
