"""How long to wait before trying the server again: exponential backoff with jitter.

    backoff = Backoff(random.random)
    await sleep(backoff.next())   # 0.5-1 s, then 1-2 s, 2-4 s ... up to 5-10 min
    backoff.reset()               # after a success

The jitter spreads the retries of many tabs and devices that failed together (a 503 storm, a
network coming back), so they do not all return at the same instant.
"""

from __future__ import annotations

from typing import Callable

BASE_S = 1.0
CAP_S = 600.0


class Backoff:
    def __init__(self, rand: Callable[[], float], base_s: float = BASE_S, cap_s: float = CAP_S):
        self.rand = rand
        self.base_s = base_s
        self.cap_s = cap_s
        self.failures = 0

    def next(self) -> float:
        """The wait after one more failure: half the step for sure, the other half at random."""
        step = min(self.cap_s, self.base_s * 2 ** self.failures)
        self.failures += 1
        return step / 2 + step / 2 * self.rand()

    def reset(self) -> None:
        self.failures = 0
