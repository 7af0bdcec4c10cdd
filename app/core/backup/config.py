"""Where backups go: a checked configuration, the URLs it gives, and what of it may be shown.

    config = BackupConfig.parse({"endpoint": "https://s3.eu-west-1.amazonaws.com", "bucket": "my-vault",
                                 "accessKeyId": "AKIA...", "secretAccessKey": "..."})
    config.object_url("projects/p_1/manifest.json")   # where the object lives
    config.public()                                    # safe for the page: the secret masked

The secret lives in the record kept in IndexedDB (``to_record``), and nowhere else: not in a
repr, ``public()``, a message or localStorage. With ``signerUrl`` there is no secret here at
all: the host's server signs each request (app/browser/s3.py asks it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from ..errors import InvalidInputError
from .sigv4 import Credentials

OPTIONS = {"endpoint", "region", "bucket", "prefix", "pathStyle", "accessKeyId", "secretAccessKey",
           "signerUrl", "checksums"}
DEFAULT_REGION = "us-east-1"
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
_REGION = re.compile(r"^[a-z0-9][a-z0-9\-]{0,62}$")
_KEY_ID = re.compile(r"^[\x21-\x7e]{1,128}$")
MAX_PREFIX = 512


@dataclass(frozen=True)
class BackupConfig:
    endpoint: str  # scheme://host[:port], no path
    bucket: str
    region: str = DEFAULT_REGION
    prefix: str = ""
    path_style: bool = True
    access_key_id: str = ""
    secret_access_key: str = field(default="", repr=False)
    checksums: bool = True  # send x-amz-checksum-crc32 (off for providers that reject it: R2, B2)
    signer_url: str = ""  # a host endpoint that signs each request: then no key is kept here

    @classmethod
    def parse(cls, options: object) -> "BackupConfig":
        if not isinstance(options, dict):
            raise InvalidInputError("configureBackup takes {endpoint, bucket, accessKeyId, secretAccessKey, "
                                    "region?, prefix?, pathStyle?, checksums?}, or null to turn backup off.")
        unknown = sorted(set(options) - OPTIONS)
        if unknown:
            raise InvalidInputError(f"configureBackup does not know {', '.join(unknown)}; it takes "
                                    f"{', '.join(sorted(OPTIONS))}.")
        endpoint, bucket = _endpoint(options.get("endpoint")), _bucket(options.get("bucket"))
        region = options.get("region") or DEFAULT_REGION
        if not isinstance(region, str) or not _REGION.match(region):
            raise InvalidInputError(f"{region!r} is not a region name (like us-east-1, or auto for R2).")
        prefix = options.get("prefix") or ""
        if not isinstance(prefix, str) or len(prefix) > MAX_PREFIX or any(ord(c) < 32 for c in prefix):
            raise InvalidInputError(f"The prefix must be text of at most {MAX_PREFIX} characters, without "
                                    "control characters.")
        key_id, secret, signer = _keys(options)
        path_style, checksums = (_flag(options, name) for name in ("pathStyle", "checksums"))
        if not path_style and "." in bucket and endpoint.startswith("https:"):
            raise InvalidInputError("A bucket name with dots needs pathStyle: true over https (its virtual-host "
                                    "name would not match the server's certificate).")
        return cls(endpoint, bucket, region, prefix.strip("/"), path_style, key_id, secret, checksums, signer)

    @property
    def credentials(self) -> Credentials:
        return Credentials(self.access_key_id, self.secret_access_key)

    def same_target(self, other: "BackupConfig | None") -> bool:
        """Whether ``other`` backs up to the same place (then what was uploaded stays uploaded)."""
        return other is not None and (self.endpoint, self.bucket, self.prefix, self.path_style) == \
            (other.endpoint, other.bucket, other.prefix, other.path_style)

    def bucket_url(self) -> str:
        if self.path_style:
            return f"{self.endpoint}/{self.bucket}/"
        scheme, _, host = self.endpoint.partition("://")
        return f"{scheme}://{self.bucket}.{host}/"

    def object_url(self, key: str) -> str:
        return self.bucket_url() + quote(key, safe="/~")

    def public(self) -> dict:
        """For the page and backupStatus: which bucket, which key; the secret masked."""
        return {"enabled": True, "endpoint": self.endpoint, "bucket": self.bucket, "prefix": self.prefix,
                "region": self.region, "pathStyle": self.path_style, "checksums": self.checksums,
                "accessKeyId": self.access_key_id,
                "secretAccessKey": mask(self.secret_access_key) if self.secret_access_key else "",
                "signerUrl": self.signer_url}

    def to_record(self) -> dict:
        return {"endpoint": self.endpoint, "bucket": self.bucket, "region": self.region, "prefix": self.prefix,
                "pathStyle": self.path_style, "accessKeyId": self.access_key_id,
                "secretAccessKey": self.secret_access_key, "checksums": self.checksums,
                "signerUrl": self.signer_url}

    @classmethod
    def from_record(cls, record: dict) -> "BackupConfig":
        return cls.parse(record)


def mask(secret: str) -> str:
    return "•" * 8 + secret[-4:] if len(secret) >= 12 else "•" * 8


def _signer(value: object) -> str:
    parts = urlsplit(value if isinstance(value, str) else "")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise InvalidInputError(f"signerUrl {value!r} is not an http(s) URL of your server's signing endpoint.")
    return value


def _endpoint(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInputError("endpoint is missing: give the S3 server's URL, like "
                                "https://s3.us-east-1.amazonaws.com or http://127.0.0.1:8333.")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(f"{value!r} is not an http(s) URL of an S3 server.")
    if parts.username or parts.password or parts.query or parts.fragment or parts.path not in ("", "/"):
        raise InvalidInputError(f"{value!r}: give only scheme, host and port (the bucket and prefix are "
                                "separate fields; keys never go in the URL).")
    try:
        parts.port
    except ValueError:
        raise InvalidInputError(f"{value!r} has an invalid port.") from None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _bucket(bucket: object) -> str:
    if not isinstance(bucket, str) or not _BUCKET.match(bucket) or ".." in bucket:
        raise InvalidInputError(f"{bucket!r} is not a bucket name: 3 to 63 lower-case letters, digits, "
                                "dots and hyphens, starting and ending with a letter or digit.")
    return bucket


def _keys(options: dict) -> tuple[str, str, str]:
    """(access key ID, secret, signer URL): keys, or a signer that keeps them on a server."""
    key_id, secret = options.get("accessKeyId") or "", options.get("secretAccessKey") or ""
    signer = options.get("signerUrl") or ""
    if signer:
        signer = _signer(signer)
        if key_id or secret:
            raise InvalidInputError("Give either signerUrl (your server signs, and keeps the secret) or "
                                    "accessKeyId and secretAccessKey, not both.")
    elif not isinstance(key_id, str) or not _KEY_ID.match(key_id):
        raise InvalidInputError("accessKeyId is missing or malformed: give the key ID of a key that may "
                                "read, write, list and delete in the bucket (or a signerUrl).")
    elif not isinstance(secret, str) or not secret or len(secret) > 256:
        raise InvalidInputError("secretAccessKey is missing: give the secret of that key.")
    return key_id, secret, signer


def _flag(options: dict, name: str) -> bool:
    value = options.get(name, True)
    if not isinstance(value, bool):
        raise InvalidInputError(f"{name} is true or false (got {value!r}).")
    return value
