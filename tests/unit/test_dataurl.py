import base64

import pytest

from app.core.dataurl import is_media_data_url, parse_data_url
from app.core.errors import InvalidInputError
from tests.media import data_url, image_bytes


def test_valid_png_round_trips_bytes():
    png = image_bytes("PNG")
    parsed = parse_data_url(data_url(png, "image/png"))
    assert parsed.mime == "image/png"
    assert parsed.data == png


def test_header_parameters_and_case_are_accepted():
    png = image_bytes("PNG")
    parsed = parse_data_url("DATA:Image/PNG;name=f.png;BASE64," + base64.b64encode(png).decode())
    assert parsed.mime == "image/png" and parsed.data == png


def test_missing_padding_and_whitespace_are_tolerated_like_browsers():
    raw = b"\x89PNG\r\n\x1a\n12345"
    b64 = base64.b64encode(raw).decode()
    assert parse_data_url("data:image/png;base64," + b64.rstrip("=")).data == raw
    spaced = "\n".join(b64[i:i + 4] for i in range(0, len(b64), 4))
    assert parse_data_url("data:image/png;base64," + spaced).data == raw


def test_percent_encoded_payload():
    assert parse_data_url("data:audio/wav,RIFF%00%01").data == b"RIFF\x00\x01"


@pytest.mark.parametrize("text, message", [
    ("image/png;base64,AAAA", "should start with 'data:'"),
    ("data:image/png;base64AAAA", "no ','"),
    ("data:not a type;base64,AAAA", "is not a media type"),
    ("data:image/png;base64,", "empty"),
    ("data:image/png;base64,iVBO$$RK", "corrupt: character '$'"),
    ("data:image/png;base64,A", "corrupt"),
])
def test_malformed_data_urls_name_the_problem(text, message):
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(").replace("$", r"\$")):
        parse_data_url(text)


def test_non_string_is_refused():
    with pytest.raises(InvalidInputError, match="got bytes"):
        parse_data_url(b"data:image/png;base64,AAAA")


def test_huge_data_url_is_refused_before_decoding():
    text = "data:image/png;base64," + "A" * (4 * 1024 * 1024)
    with pytest.raises(InvalidInputError, match="at most 1 MB"):
        parse_data_url(text, max_bytes=1024 * 1024)


def test_non_media_decodes_but_is_not_media():
    parsed = parse_data_url(data_url(b"hello world", "text/plain"))
    assert parsed.mime == "text/plain" and parsed.data == b"hello world"
    assert not is_media_data_url(data_url(b"hello", "text/plain"))
    assert is_media_data_url(data_url(b"x", "video/mp4"))
