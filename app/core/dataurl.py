"""Data URL parsing: one strict decode, clear errors, no second copy.

    parse_data_url("data:image/png;base64,iVBORw0...")  -> DataUrl(mime="image/png", data=b"...")

Generators hand frames over as base64 data URLs of a few MB. They are decoded once, here, with
the C base64 decoder; the MIME in the header is only a claim (sniff.resolve_type checks it).
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from .errors import InvalidInputError

MAX_DATA_URL_BYTES = 256 * 1024 * 1024
_MEDIA_TYPE = re.compile(r"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$")
_WHITESPACE = re.compile(r"[\t\n\f\r ]")


@dataclass(frozen=True)
class DataUrl:
    mime: str
    data: bytes


def parse_data_url(text: object, max_bytes: int = MAX_DATA_URL_BYTES) -> DataUrl:
    if not isinstance(text, str):
        raise InvalidInputError(f"Expected a data URL string, got {type(text).__name__}.")
    if not text[:5].lower() == "data:":
        preview = text[:40] + ("…" if len(text) > 40 else "")
        raise InvalidInputError(f"Not a data URL (it should start with 'data:'): {preview!r}")
    comma = text.find(",", 0, 1024)
    if comma < 0:
        raise InvalidInputError("Malformed data URL: no ',' after the 'data:' header.")
    header = text[5:comma]
    params = [p.strip() for p in header.split(";")]
    mime = params[0].lower()
    is_base64 = any(p.lower() == "base64" for p in params[1:])
    if mime and not _MEDIA_TYPE.match(mime):
        raise InvalidInputError(f"Malformed data URL: {mime!r} is not a media type.")
    payload_len = len(text) - comma - 1
    estimated = payload_len * 3 // 4 if is_base64 else payload_len // 3
    if estimated > max_bytes:
        raise InvalidInputError(
            f"The data URL holds about {estimated / 2**20:.0f} MB; the vault takes at most "
            f"{max_bytes / 2**20:.0f} MB this way. Save the file as a Blob instead."
        )
    payload = text[comma + 1:]
    if is_base64:
        data = _decode_base64(payload)
    else:
        data = unquote_to_bytes(payload)
    if len(data) > max_bytes:
        raise InvalidInputError(f"The data URL holds {len(data)} bytes; the limit is {max_bytes}.")
    if not data:
        raise InvalidInputError("The data URL is empty: it holds no bytes.")
    return DataUrl(mime=mime, data=data)


def _decode_base64(payload: str) -> bytes:
    try:
        return binascii.a2b_base64(_pad(payload), strict_mode=True)
    except (binascii.Error, ValueError):
        pass
    # Browsers accept whitespace inside data URLs (forgiving-base64): allow it, off the fast path.
    stripped = _WHITESPACE.sub("", payload)
    try:
        return binascii.a2b_base64(_pad(stripped), strict_mode=True)
    except (binascii.Error, ValueError):
        bad = re.search(r"[^A-Za-z0-9+/=]", stripped)
        where = f": character {bad.group(0)!r} at position {bad.start()}" if bad else ""
        raise InvalidInputError(f"The data URL's base64 is corrupt{where}.") from None


def _pad(payload: str) -> str:
    missing = -len(payload) % 4
    return payload + "=" * missing if missing in (1, 2) and not payload.endswith("=") else payload


def is_media_data_url(text: str) -> bool:
    """Cheap test for a base64 image/video/audio data URL (used when scanning localStorage)."""
    head = text[:64].lower()
    return head.startswith(("data:image/", "data:video/", "data:audio/")) and ";base64," in head
