"""Why a Chromium renderer died under a test, for the report.

Renderers have died in bursts on CI machines ("Target crashed", "Page crashed") and never when the
same tests ran again here. A crash is retried (pyproject's addopts), which can hide a real fault,
so each one is named at the end of the run: which test, and how the process ended, as CDP's
Target.targetCrashed tells it ("crashed", "oom", "killed"…, with its signal or exit code).
"""

from __future__ import annotations

import time


class CrashWatch:
    def __init__(self):
        self.crashes: list[str] = []
        self.test = "(between tests)"

    def attach(self, browser) -> None:
        cdp = browser.new_browser_cdp_session()
        cdp.on("Target.targetCrashed", self._crashed)
        cdp.send("Target.setDiscoverTargets", {"discover": True})

    def _crashed(self, event: dict) -> None:
        self.crashes.append(f"{time.strftime('%H:%M:%S')} {self.test}: "
                            f"status={event.get('status')} code={event.get('errorCode')}")
