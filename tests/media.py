"""Real media for tests, made with Pillow and the standard library."""

from __future__ import annotations

import base64
import io
import random
import struct
import wave

from PIL import Image


def image_bytes(fmt: str = "PNG", size=(64, 48), seed: int = 0, noise: bool = False) -> bytes:
    rng = random.Random(seed)
    if noise:
        img = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    else:
        img = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


def wav_bytes(seconds: float = 0.1, rate: int = 8000) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack("<h", 0) * int(seconds * rate))
    return buf.getvalue()


def data_url(data: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


# Leading bytes of formats Pillow does not write: enough for sniffing, not for playback.
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 40
M4A_HEAD = b"\x00\x00\x00\x18ftypM4A \x00\x00\x02\x00M4A isom" + b"\x00" * 40
WEBM_HEAD = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm" + b"\x00" * 30
MP3_HEAD = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\x00" * 50
MP3_FRAME = b"\xff\xfb\x90\x00" + b"\x00" * 60
OGG_HEAD = b"OggS\x00\x02" + b"\x00" * 58
FLAC_HEAD = b"fLaC\x00\x00\x00\x22" + b"\x00" * 56
AAC_HEAD = b"\xff\xf1\x50\x80" + b"\x00" * 60
