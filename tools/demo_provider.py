"""The demo status provider that serve.py carries, so `make run` shows generation tracking with
no account anywhere. It speaks the provider contract (see the README):

    GET /api/file/<id>      -> {"id", "status", "progress"?, "url"?, "thumbnailUrl"?, "mime"?, "createdAt", "error"?}
    GET /api/media/<id>.png | .wav | .webm, /api/media/<id>.thumb.png -> the media

An ID is pending for PENDING_S after it is first asked about, processing (progress rising) until
DONE_S, then completed, or error if it starts with ``fail``. What it makes depends on the ID:
``vid…``/``video…`` a WebM clip, ``aud…``/``tts…`` a WAV tone, anything else a PNG frame drawn
with Pillow showing the ID. Thumbnails are PNGs showing the ID.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import math
import re
import struct
import threading
import time
import wave
from functools import lru_cache
from pathlib import Path

FILE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PENDING_S = 1.0
DONE_S = 4.0
CLIP = Path(__file__).resolve().parent / "demo-clip.webm"


def kind_of(file_id: str) -> str:
    lower = file_id.lower()
    if lower.startswith(("vid", "video")):
        return "video"
    if lower.startswith(("aud", "tts")):
        return "audio"
    return "image"


EXT = {"image": ("png", "image/png"), "video": ("webm", "video/webm"), "audio": ("wav", "audio/wav")}


class DemoProvider:
    def __init__(self, clock=time.monotonic, wall=time.time):
        self.clock = clock
        self.wall = wall
        self.first_seen: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def file(self, file_id: str, base_url: str) -> tuple[int, dict]:
        if not FILE_ID.match(file_id):
            return 400, {"error": "A file ID is 1-64 letters, digits, '_' or '-'."}
        with self.lock:
            started, created = self.first_seen.setdefault(file_id, (self.clock(), self.wall()))
        age = self.clock() - started
        body = {"id": file_id, "createdAt": int(created * 1000)}
        if age < PENDING_S:
            return 200, dict(body, status="pending", progress=0)
        if age < DONE_S:
            return 200, dict(body, status="processing", progress=int(100 * (age - PENDING_S) / (DONE_S - PENDING_S)))
        if file_id.lower().startswith("fail"):
            return 200, dict(body, status="error", error="The demo model failed on purpose (IDs starting with 'fail' do).")
        ext, mime = EXT[kind_of(file_id)]
        return 200, dict(body, status="completed", progress=100, mime=mime,
                         url=f"{base_url}/api/media/{file_id}.{ext}", thumbnailUrl=f"{base_url}/api/media/{file_id}.thumb.png")

    def media(self, name: str) -> tuple[str, bytes] | None:
        stem, _, ext = name.rpartition(".")
        if stem.endswith(".thumb") and ext == "png" and FILE_ID.match(stem[:-6]):
            return "image/png", frame_png(stem[:-6], (160, 90))
        if not FILE_ID.match(stem) or ext != EXT[kind_of(stem)][0]:
            return None
        kind = kind_of(stem)
        if kind == "image":
            return "image/png", frame_png(stem, (640, 360))
        if kind == "audio":
            return "audio/wav", tone_wav(stem)
        return "video/webm", CLIP.read_bytes()


def _hue(file_id: str) -> float:
    return hashlib.sha256(file_id.encode()).digest()[0] / 255


@lru_cache(maxsize=64)
def frame_png(file_id: str, size: tuple[int, int]) -> bytes:
    from PIL import Image, ImageDraw, ImageFont  # the static server does not need Pillow

    r, g, b = (int(255 * c) for c in colorsys.hsv_to_rgb(_hue(file_id), 0.55, 0.75))
    image = Image.new("RGB", size, (r, g, b))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=max(12, size[1] // 6))
    draw.text((size[0] // 2, size[1] // 2), file_id, fill=(255, 255, 255), font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@lru_cache(maxsize=64)
def tone_wav(file_id: str, seconds: float = 1.0, rate: int = 22_050) -> bytes:
    freq = 220 + 440 * _hue(file_id)
    samples = b"".join(struct.pack("<h", int(12_000 * math.sin(2 * math.pi * freq * i / rate)))
                       for i in range(int(seconds * rate)))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples)
    return out.getvalue()
