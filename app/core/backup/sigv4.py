"""AWS Signature Version 4 for S3-compatible storage: header auth and presigned URLs, stdlib only.

    creds = Credentials("AKID...", "secret")
    headers = sign_headers("PUT", "https://bucket.s3.amazonaws.com/p/a.png", creds, "us-east-1", now_ms,
                           {"x-amz-checksum-crc32": "AAAAAA=="})   # -> headers to send with the request
    url = presign_url("GET", "https://bucket.s3.amazonaws.com/p/a.png", creds, "us-east-1", now_ms, 900)

Only signatures are computed here: the media goes from Blob to fetch untouched, so the payload is
signed as ``UNSIGNED-PAYLOAD`` and its integrity travels as the CRC-32 we keep. ``host`` is signed
from the URL (a browser sets that header itself). The secret never leaves this module's HMACs.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
MAX_EXPIRES_S = 7 * 24 * 3600  # what S3 accepts for a presigned URL


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str = field(repr=False)  # never in a repr, a log or a message
    session_token: str | None = field(default=None, repr=False)


def sign_headers(method: str, url: str, credentials: Credentials, region: str, now_ms: int,
                 headers: dict[str, str] | None = None, payload_hash: str = UNSIGNED,
                 service: str = "s3") -> dict[str, str]:
    """The request's headers with x-amz-date, x-amz-content-sha256 (and the session token) added
    and an Authorization header that signs them all."""
    stamp, day = _times(now_ms)
    out = {k.lower(): v for k, v in (headers or {}).items()}
    out.update({"x-amz-date": stamp, "x-amz-content-sha256": payload_hash})
    if credentials.session_token:
        out["x-amz-security-token"] = credentials.session_token
    parts = urlsplit(url)
    signed = dict(out, host=_host(parts))
    names = ";".join(sorted(signed))
    scope = f"{day}/{region}/{service}/aws4_request"
    request = _canonical_request(method, parts.path, _query_pairs(parts.query), signed, payload_hash)
    signature = _signature(credentials.secret_access_key, day, region, service, stamp, scope, request)
    out["authorization"] = (f"{ALGORITHM} Credential={credentials.access_key_id}/{scope}, "
                            f"SignedHeaders={names}, Signature={signature}")
    return out


def presign_url(method: str, url: str, credentials: Credentials, region: str, now_ms: int, expires_s: int,
                service: str = "s3") -> str:
    """A URL that performs the request without any header of ours, valid for ``expires_s``."""
    if not 1 <= expires_s <= MAX_EXPIRES_S:
        raise ValueError(f"expires_s must be 1..{MAX_EXPIRES_S} (got {expires_s})")
    stamp, day = _times(now_ms)
    parts = urlsplit(url)
    scope = f"{day}/{region}/{service}/aws4_request"
    query = _query_pairs(parts.query) + [
        ("X-Amz-Algorithm", ALGORITHM), ("X-Amz-Credential", f"{credentials.access_key_id}/{scope}"),
        ("X-Amz-Date", stamp), ("X-Amz-Expires", str(expires_s)), ("X-Amz-SignedHeaders", "host")]
    if credentials.session_token:
        query.append(("X-Amz-Security-Token", credentials.session_token))
    request = _canonical_request(method, parts.path, query, {"host": _host(parts)}, UNSIGNED)
    signature = _signature(credentials.secret_access_key, day, region, service, stamp, scope, request)
    query.append(("X-Amz-Signature", signature))
    return f"{parts.scheme}://{parts.netloc}{_uri_path(parts.path)}?{_canonical_query(query)}"


def _times(now_ms: int) -> tuple[str, str]:
    t = time.gmtime(now_ms // 1000)
    return time.strftime("%Y%m%dT%H%M%SZ", t), time.strftime("%Y%m%d", t)


def _host(parts) -> str:
    default = {"http": 80, "https": 443}.get(parts.scheme)
    host = parts.hostname or ""
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def _encode(text: str, keep_slash: bool = False) -> str:
    """RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ (and / in paths)."""
    return quote(text, safe="/~" if keep_slash else "~")


def _uri_path(path: str) -> str:
    # S3 signs the path as sent, encoded once (no normalising of '.' or '//': they are key bytes).
    return _encode(unquote(path or "/"), keep_slash=True)


def _query_pairs(query: str) -> list[tuple[str, str]]:
    # Not parse_qsl: it reads '+' as a space, where S3 reads the byte '+' (sent encoded as %2B).
    pairs = []
    for item in filter(None, query.split("&")):
        key, _, value = item.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return pairs


def _canonical_query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted((_encode(k), _encode(v)) for k, v in pairs))


def _canonical_request(method: str, path: str, query: list[tuple[str, str]], headers: dict[str, str],
                       payload_hash: str) -> str:
    lines = "".join(f"{k}:{' '.join(str(v).split())}\n" for k, v in sorted(headers.items()))
    return "\n".join([method.upper(), _uri_path(path), _canonical_query(query), lines,
                      ";".join(sorted(headers)), payload_hash])


def _signature(secret: str, day: str, region: str, service: str, stamp: str, scope: str, request: str) -> str:
    to_sign = "\n".join([ALGORITHM, stamp, scope, hashlib.sha256(request.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
