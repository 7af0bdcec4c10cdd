"""serve.py in a subprocess on a free port, its output kept in a file for post-mortems."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Server:
    def __init__(self, root: Path = ROOT, args: tuple = (), env: dict | None = None):
        """Runs ``root``/serve.py, which serves the tree it sits in (a copy, for update tests),
        with more ``args`` and ``env`` (the reference signer's settings)."""
        self.log = tempfile.NamedTemporaryFile("w+", prefix="serve-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([sys.executable, str(root / "serve.py"), "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True, cwd=root,
                                     env={**os.environ, **(env or {})})
        line = self.proc.stdout.readline()
        match = re.search(r"http://\S+", line)
        if not match:
            self.stop()
            raise RuntimeError(f"serve.py did not start: {line!r}; log in {self.log.name}")
        self.url = match.group(0)
        self.origin = self.url.rstrip("/")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        time.sleep(0.1)
