"""Media type detection from the first bytes of a file (magic numbers), and claim checking.

    sniff(b"\\x89PNG\\r\\n\\x1a\\n...")          -> MediaType(kind="image", mime="image/png")
    resolve_type(head, claimed_mime="image/jpeg", claimed_kind=None)  -> MediaType or raises

The bytes decide; what a caller claims (a data URL's MIME, a Blob's type, a ``kind`` option) must
agree with them. SVG is not accepted: it is a document that can carry script, not plain media.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InvalidInputError

SNIFF_BYTES = 64
KINDS = ("image", "video", "audio")


@dataclass(frozen=True)
class MediaType:
    kind: str
    mime: str


# ISO base media (MP4 family) brands: which are audio-only.
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_QUICKTIME_BRANDS = {b"qt  "}
_IMAGE_BRANDS = {b"avif": "image/avif", b"avis": "image/avif", b"heic": "image/heic",
                 b"heix": "image/heic", b"mif1": "image/heif", b"msf1": "image/heif"}


def sniff(head: bytes) -> MediaType | None:
    """Return the media type the leading bytes show, or None when they show no known media."""
    for prefix, media in _PREFIXES:
        if head.startswith(prefix):
            return media
    for detect in (_riff, _bmp, _iso_media, _ebml, _audio):
        if (media := detect(head)) is not _NO:
            return media
    return None


_PREFIXES = ((b"\x89PNG\r\n\x1a\n", MediaType("image", "image/png")),
             (b"\xff\xd8\xff", MediaType("image", "image/jpeg")),
             (b"GIF87a", MediaType("image", "image/gif")), (b"GIF89a", MediaType("image", "image/gif")))
_NO = object()  # a detector's "not mine": the next one looks


def _riff(head: bytes):
    if head[:4] != b"RIFF" or len(head) < 12:
        return _NO
    return {b"WEBP": MediaType("image", "image/webp"), b"WAVE": MediaType("audio", "audio/wav"),
            b"AVI ": MediaType("video", "video/x-msvideo")}.get(head[8:12])  # another RIFF: not media


def _bmp(head: bytes):
    if head.startswith(b"BM") and len(head) >= 14 and head[6:10] == b"\0\0\0\0":
        return MediaType("image", "image/bmp")
    return _NO


def _iso_media(head: bytes):
    """ISO base media (MP4, MOV, M4A, AVIF, HEIC): the brand after ``ftyp`` tells which."""
    if len(head) < 12 or head[4:8] != b"ftyp":
        return _NO
    brand = head[8:12]
    if brand in _IMAGE_BRANDS:
        return MediaType("image", _IMAGE_BRANDS[brand])
    if brand in _AUDIO_BRANDS:
        return MediaType("audio", "audio/mp4")
    return MediaType("video", "video/quicktime" if brand in _QUICKTIME_BRANDS else "video/mp4")


def _ebml(head: bytes):
    if not head.startswith(b"\x1a\x45\xdf\xa3"):
        return _NO
    # EBML: WebM names its DocType in the header; anything else is Matroska.
    return MediaType("video", "video/webm" if b"webm" in head else "video/x-matroska")


def _audio(head: bytes):
    for prefix, mime in ((b"OggS", "audio/ogg"), (b"fLaC", "audio/flac"), (b"ID3", "audio/mpeg")):
        if head.startswith(prefix):
            return MediaType("audio", mime)
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        # MPEG "layer 0" is ADTS: raw AAC
        return MediaType("audio", "audio/aac" if (head[1] >> 1) & 0x3 == 0 else "audio/mpeg")
    return _NO


# Names browsers and generators use for the same formats.
_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/x-ms-bmp": "image/bmp",
    "audio/mp3": "audio/mpeg",
    "audio/x-mp3": "audio/mpeg",
    "audio/mpeg3": "audio/mpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
    "audio/x-flac": "audio/flac",
    "audio/x-aac": "audio/aac",
    "video/x-m4v": "video/mp4",
    "video/ogg": "audio/ogg",
    "application/ogg": "audio/ogg",
}

# Containers that hold either sound or pictures: the claim picks the kind.
_EITHER = {
    "video/mp4": {"audio": "audio/mp4"},
    "audio/mp4": {"video": "video/mp4"},
    "video/webm": {"audio": "audio/webm"},
    "audio/ogg": {"video": "video/ogg"},
}

# A claim that says nothing about the type.
_NO_CLAIM = {"", "application/octet-stream", "binary/octet-stream"}


def normalise_mime(mime: str | None) -> str:
    base = (mime or "").split(";", 1)[0].strip().lower()
    return _ALIASES.get(base, base)


def resolve_type(head: bytes, claimed_mime: str | None = None,
                 claimed_kind: str | None = None) -> MediaType:
    """The media type of a file from its first bytes, checked against what the caller claims."""
    found = sniff(head)
    if found is None:
        shown = f" (it was labelled {claimed_mime})" if normalise_mime(claimed_mime) not in _NO_CLAIM else ""
        raise InvalidInputError(
            "This is not an image, video or audio file the vault recognises" + shown
            + ". Supported: PNG, JPEG, WebP, GIF, AVIF, BMP, MP4, WebM, MOV, MP3, WAV, OGG, FLAC, AAC, M4A."
        )
    if claimed_kind is not None and claimed_kind not in KINDS:
        raise InvalidInputError(f"kind must be one of image, video, audio (got {claimed_kind!r}).")
    claim = normalise_mime(claimed_mime)
    if claim and claim not in _NO_CLAIM:
        if claim != found.mime:
            alt = _EITHER.get(found.mime, {})
            claimed_kind_from_mime = claim.split("/", 1)[0]
            if alt.get(claimed_kind_from_mime) != claim and not _same_container(claim, found.mime):
                raise InvalidInputError(
                    f"The file says it is {claim}, but its bytes are {found.mime}. "
                    "Re-export it in the format it claims, or save it without a type."
                )
            found = MediaType(claimed_kind_from_mime, claim)
    if claimed_kind is not None and claimed_kind != found.kind:
        alt = _EITHER.get(found.mime, {}).get(claimed_kind)
        if alt is None:
            raise InvalidInputError(
                f"kind {claimed_kind!r} does not match the file, which is {found.kind} ({found.mime})."
            )
        found = MediaType(claimed_kind, alt)
    return found


def _same_container(a: str, b: str) -> bool:
    """audio/webm vs video/webm and the like: one container, either kind."""
    return a.split("/", 1)[1] == b.split("/", 1)[1] and {a.split("/")[0], b.split("/")[0]} == {"audio", "video"}
