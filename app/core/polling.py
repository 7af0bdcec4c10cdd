"""When to ask the provider about a file next: a pure schedule, driven by a clock in ms.

    schedule = Schedule(random.Random())
    state = schedule.after_answer(state, now, final=False)           # next poll in 5 s
    state = schedule.after_failure(state, now, status=503, retry_after="7")   # honoured, capped

- While a file is pending or processing it is asked every POLL_MS.
- A failure (network, timeout, 5xx, malformed answer) backs off exponentially with full jitter:
  a delay drawn from [0, min(CAP_MS, BASE_MS * 2**failures)], never below MIN_RETRY_MS, so a
  storm of 500s costs at most 60 s / MIN_RETRY_MS requests a minute per file, and far fewer after
  the first few.
- 429 and 503 with ``Retry-After`` (seconds or an HTTP date) wait that long, capped at
  RETRY_AFTER_CAP_MS; without it they back off like any failure.
- A file at a final status is never asked again (``next_at`` is None).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime

POLL_MS = 5_000
BASE_MS = 2_000
CAP_MS = 60_000
MIN_RETRY_MS = 2_000
RETRY_AFTER_CAP_MS = 5 * 60_000


@dataclass(frozen=True)
class PollState:
    next_at: int | None = 0  # epoch ms of the next request; None: never again
    failures: int = 0  # consecutive


def parse_retry_after(value: str | None, now_ms: int) -> int | None:
    """Milliseconds to wait, from delta-seconds or an HTTP date; None if absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value) * 1000
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0, int(when.timestamp() * 1000) - now_ms)


class Schedule:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def after_answer(self, state: PollState, now_ms: int, final: bool) -> PollState:
        return PollState(None if final else now_ms + POLL_MS, 0)

    def after_failure(self, state: PollState, now_ms: int, status: int | None = None,
                      retry_after: str | None = None) -> PollState:
        failures = state.failures + 1
        wait = parse_retry_after(retry_after, now_ms) if status in (429, 503) else None
        if wait is None:
            ceiling = min(CAP_MS, BASE_MS * 2 ** min(failures, 16))
            wait = max(MIN_RETRY_MS, int(self.rng.uniform(0, ceiling)))
        else:
            wait = min(wait, RETRY_AFTER_CAP_MS)
        return replace(state, next_at=now_ms + wait, failures=failures)

    def now_ready(self, state: PollState) -> PollState:
        """Ask at once (the browser came back online): the backoff count stays."""
        return state if state.next_at is None else replace(state, next_at=0)
