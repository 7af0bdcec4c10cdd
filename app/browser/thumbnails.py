"""Previews made with the browser's own codecs: JPEG ≤ 320 px for images, a poster frame for video.

Images go to a worker (static/preview-worker.js) in batches: the codecs then run beside the
page's own work, and the main thread spends a message per batch instead of ~3 ms of Python and
FFI per image. Where the worker cannot run (no OffscreenCanvas in workers, script not loadable)
the page makes them itself, the same way.

JPEG, not WebP: encoding was the bulk of the background work at scale (a 184 px frame: WebP
5.6 ms, JPEG 1.3 ms, decoding 1.2 ms), and 10,000 frames spent a minute in the WebP encoder. A
preview is drawn on the grid's own background colour first, so transparency looks as it does
in the grid.

createImageBitmap decodes off the main thread; a video is loaded muted into a detached <video>,
seeked a little way in, and drawn. A file the browser cannot decode gets no preview (None).
"""

from __future__ import annotations

import asyncio

import js

from .jsconv import settle, to_js_record
from .preview_worker import PreviewWorker, WorkerGone

MAX_SIDE = 320
QUALITY = 0.82
BACKGROUND = "#0b0e16"  # .preview's background in app.css
VIDEO_TIMEOUT_S = 10
# Posters are made on the main thread, and a clip the browser cannot decode is read whole before
# it fails (16 clips of 16 MiB at once: ~3 s of the page): two at a time.
VIDEO_AT_ONCE = 2


def _fit(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, MAX_SIDE / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


class BrowserThumbnails:
    """Reuses what it can across frames: a project's frames share one size, and each JS object
    made from Python costs tens of microseconds, which at 10,000 frames added up to seconds."""

    def __init__(self, worker_url: str | None = None):
        self._canvases: dict = {}  # (w, h) -> (OffscreenCanvas, its 2D context)
        self._resize: dict = {}  # (w, h) -> createImageBitmap options
        self._jpeg = None
        self._worker = PreviewWorker(worker_url, MAX_SIDE, QUALITY, BACKGROUND) if worker_url else None
        self._posters: asyncio.Semaphore | None = None

    async def _encode(self, source, width: int, height: int):
        w, h = _fit(width, height)
        if (w, h) not in self._canvases:
            if len(self._canvases) > 8:
                self._canvases.clear()
            canvas = js.OffscreenCanvas.new(w, h)
            self._canvases[(w, h)] = (canvas, canvas.getContext("2d"))
        canvas, context = self._canvases[(w, h)]
        if self._jpeg is None:
            self._jpeg = to_js_record({"type": "image/jpeg", "quality": QUALITY})
        context.fillStyle = BACKGROUND
        context.fillRect(0, 0, w, h)
        context.drawImage(source, 0, 0, w, h)
        # convertToBlob takes its snapshot when called: the canvas is free for the next frame.
        return await canvas.convertToBlob(self._jpeg)

    async def make(self, blob, kind: str, mime: str):
        try:
            if kind == "image":
                if self._worker is not None and self._worker.usable:
                    try:
                        return await self._worker.make(blob)
                    except WorkerGone:
                        pass
                return await self._image(blob)
            if kind == "video":
                self._posters = self._posters or asyncio.Semaphore(VIDEO_AT_ONCE)
                async with self._posters:
                    return await asyncio.wait_for(self._video(blob), VIDEO_TIMEOUT_S)
        except Exception as err:
            print(f"no preview for a {mime} file: {err}")
        return None

    async def _image(self, blob):
        full = await js.createImageBitmap(blob)
        try:
            w, h = _fit(full.width, full.height)
            if (w, h) not in self._resize:
                if len(self._resize) > 64:
                    self._resize.clear()
                self._resize[(w, h)] = to_js_record({"resizeWidth": w, "resizeHeight": h, "resizeQuality": "high"})
            small = await js.createImageBitmap(full, self._resize[(w, h)])
        finally:
            full.close()
        try:
            return await self._encode(small, w, h)
        finally:
            small.close()

    async def _video(self, blob):
        video = js.document.createElement("video")
        video.muted = True
        video.preload = "auto"
        url = js.URL.createObjectURL(blob)
        try:
            video.src = url
            await settle(video, ok="onloadeddata", fail="onerror", value=lambda: None)
            video.currentTime = min(0.5, (video.duration or 0) / 2) if video.duration == video.duration else 0
            await settle(video, ok="onseeked", fail="onerror", value=lambda: None)
            return await self._encode(video, video.videoWidth, video.videoHeight)
        finally:
            video.removeAttribute("src")
            video.load()
            js.URL.revokeObjectURL(url)

