"""Record tools/demo-clip.webm, the demo provider's video, with the browser's own encoder.

    .venv/bin/python tools/make_demo_clip.py

Pillow writes no video format a browser plays, and there is no ffmpeg here, so the clip (2 s of
an animated canvas, VP8/VP9 in WebM) is recorded once by Chromium's MediaRecorder and committed.
"""

from __future__ import annotations

import base64
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import CHROMIUM_ARGS  # noqa: E402

RECORD = """async () => {
  const canvas = Object.assign(document.createElement("canvas"), {width: 320, height: 180});
  const g = canvas.getContext("2d");
  const recorder = new MediaRecorder(canvas.captureStream(25), {mimeType: "video/webm", videoBitsPerSecond: 300000});
  const parts = [];
  recorder.ondataavailable = (e) => parts.push(e.data);
  const stopped = new Promise((resolve) => { recorder.onstop = resolve; });
  recorder.start();
  const t0 = performance.now();
  while (performance.now() - t0 < 2000) {
    const t = (performance.now() - t0) / 2000;
    g.fillStyle = `hsl(${Math.round(220 + 120 * t)}, 70%, 45%)`;
    g.fillRect(0, 0, 320, 180);
    g.fillStyle = "#fff";
    g.font = "bold 28px sans-serif";
    g.fillText("Offline Asset Vault demo", 14 + 40 * t, 100);
    await new Promise((r) => setTimeout(r, 40));
  }
  recorder.stop();
  await stopped;
  const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 32768) text += String.fromCharCode(...bytes.subarray(i, i + 32768));
  return btoa(text);
}"""


def main() -> int:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                    args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto("about:blank")
        data = base64.b64decode(page.evaluate(RECORD))
        browser.close()
    out = ROOT / "tools" / "demo-clip.webm"
    out.write_bytes(data)
    print(f"wrote {out} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
