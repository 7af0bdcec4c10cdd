"""Previews made with the browser's own codecs: WebP ≤ 320 px for images, a poster frame for video.

createImageBitmap decodes off the main thread; a video is loaded muted into a detached <video>,
seeked a little way in, and drawn. A file the browser cannot decode gets no preview (None).
"""

from __future__ import annotations

import asyncio

import js

from .jsconv import settle, to_js_record

MAX_SIDE = 320
QUALITY = 0.8
VIDEO_TIMEOUT_S = 10


def _fit(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, MAX_SIDE / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


async def _encode(source, width: int, height: int):
    w, h = _fit(width, height)
    canvas = js.OffscreenCanvas.new(w, h)
    canvas.getContext("2d").drawImage(source, 0, 0, w, h)
    return await canvas.convertToBlob(to_js_record({"type": "image/webp", "quality": QUALITY}))


class BrowserThumbnails:
    async def make(self, blob, kind: str, mime: str):
        try:
            if kind == "image":
                return await self._image(blob)
            if kind == "video":
                return await asyncio.wait_for(self._video(blob), VIDEO_TIMEOUT_S)
        except Exception as err:
            print(f"no preview for a {mime} file: {err}")
        return None

    async def _image(self, blob):
        full = await js.createImageBitmap(blob)
        try:
            w, h = _fit(full.width, full.height)
            small = await js.createImageBitmap(full, to_js_record(
                {"resizeWidth": w, "resizeHeight": h, "resizeQuality": "high"}))
        finally:
            full.close()
        try:
            return await _encode(small, w, h)
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
            return await _encode(video, video.videoWidth, video.videoHeight)
        finally:
            video.removeAttribute("src")
            video.load()
            js.URL.revokeObjectURL(url)
