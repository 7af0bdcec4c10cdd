import pytest

from app.core.errors import InvalidInputError
from app.core.sniff import MediaType, resolve_type, sniff
from tests.media import (AAC_HEAD, FLAC_HEAD, M4A_HEAD, MP3_FRAME, MP3_HEAD, MP4_HEAD, OGG_HEAD,
                         WEBM_HEAD, image_bytes, wav_bytes)


@pytest.mark.parametrize("fmt, mime", [
    ("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("GIF", "image/gif"),
    ("BMP", "image/bmp"),
])
def test_real_images_made_by_pillow(fmt, mime):
    assert sniff(image_bytes(fmt)[:64]) == MediaType("image", mime)


@pytest.mark.parametrize("head, expected", [
    (wav_bytes(), MediaType("audio", "audio/wav")),
    (MP4_HEAD, MediaType("video", "video/mp4")),
    (M4A_HEAD, MediaType("audio", "audio/mp4")),
    (WEBM_HEAD, MediaType("video", "video/webm")),
    (MP3_HEAD, MediaType("audio", "audio/mpeg")),
    (MP3_FRAME, MediaType("audio", "audio/mpeg")),
    (OGG_HEAD, MediaType("audio", "audio/ogg")),
    (FLAC_HEAD, MediaType("audio", "audio/flac")),
    (AAC_HEAD, MediaType("audio", "audio/aac")),
])
def test_audio_and_video_containers(head, expected):
    assert sniff(head[:64]) == expected


@pytest.mark.parametrize("head", [b"", b"hello world", b"<svg xmlns='http://www.w3.org/2000/svg'>",
                                  b"%PDF-1.7", b"PK\x03\x04", b"RIFF\x00\x00\x00\x00XXXX"])
def test_non_media_is_not_recognised(head):
    assert sniff(head) is None
    with pytest.raises(InvalidInputError, match="not an image, video or audio file"):
        resolve_type(head, "image/png")


def test_claim_must_match_bytes():
    with pytest.raises(InvalidInputError, match="says it is image/jpeg, but its bytes are image/png"):
        resolve_type(image_bytes("PNG"), "image/jpeg")


def test_aliases_and_empty_claims_are_accepted():
    assert resolve_type(image_bytes("JPEG"), "image/jpg").mime == "image/jpeg"
    assert resolve_type(MP3_HEAD, "audio/mp3").mime == "audio/mpeg"
    assert resolve_type(wav_bytes(), "audio/x-wav").mime == "audio/wav"
    assert resolve_type(image_bytes("PNG"), "").mime == "image/png"
    assert resolve_type(image_bytes("PNG"), "application/octet-stream; x=1").mime == "image/png"


def test_containers_of_either_kind_follow_the_claim():
    assert resolve_type(WEBM_HEAD, "audio/webm") == MediaType("audio", "audio/webm")
    assert resolve_type(WEBM_HEAD, None, "audio") == MediaType("audio", "audio/webm")
    assert resolve_type(MP4_HEAD, "audio/mp4") == MediaType("audio", "audio/mp4")


def test_kind_claim_must_match():
    with pytest.raises(InvalidInputError, match="kind 'video' does not match"):
        resolve_type(image_bytes("PNG"), None, "video")
    with pytest.raises(InvalidInputError, match="kind must be one of"):
        resolve_type(image_bytes("PNG"), None, "document")
