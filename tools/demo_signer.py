"""serve.py's reference signer for the vault's ``signerUrl`` mode: the secret stays on the server.

    python serve.py --s3-endpoint http://127.0.0.1:8333 --s3-bucket vault-backup --s3-key-id AK...
    (the secret from the environment: VAULT_S3_SECRET, never on a command line)

The endpoint contract (README, "signerUrl"): POST {signerUrl} with JSON {"method", "url",
"headers"} -> 200 JSON {"headers"}: the request's headers plus x-amz-date, x-amz-content-sha256
(UNSIGNED-PAYLOAD) and Authorization. This signer signs only for its own endpoint and bucket
(and prefix, if given), only the methods the vault uses, and only for pages of its own origin
(Sec-Fetch-Site); a real host app must also check that its user is signed in.
"""

from __future__ import annotations

import json
import time
from urllib.parse import unquote, urlsplit

from app.core.backup.sigv4 import Credentials, sign_headers

METHODS = {"GET", "PUT", "POST", "DELETE", "HEAD"}
MAX_BODY = 64 * 1024


class DemoSigner:
    def __init__(self, endpoint: str, bucket: str, key_id: str, secret: str, region: str = "us-east-1",
                 prefix: str = ""):
        self.endpoint = endpoint.rstrip("/")
        self.bucket = bucket
        self.region = region
        self.prefix = prefix.strip("/")
        self.credentials = Credentials(key_id, secret)

    def sign(self, body: bytes, fetch_site: str | None) -> tuple[int, dict]:
        if fetch_site not in (None, "same-origin"):
            return 403, {"error": "This signer signs only for pages of its own origin."}
        try:
            request = json.loads(body.decode("utf-8"))
            method, url, headers = request["method"], request["url"], request.get("headers") or {}
            if not (isinstance(method, str) and isinstance(url, str) and isinstance(headers, dict)
                    and all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())):
                raise TypeError
        except (UnicodeDecodeError, ValueError, KeyError, TypeError):
            return 400, {"error": 'Send JSON {"method", "url", "headers"}.'}
        if method not in METHODS:
            return 403, {"error": f"{method} is not a method the vault uses."}
        if not self._allowed(url):
            return 403, {"error": f"This signer signs only for bucket {self.bucket!r} at {self.endpoint}"
                                  + (f" under {self.prefix}/" if self.prefix else "") + "."}
        signed = sign_headers(method, url, self.credentials, self.region, int(time.time() * 1000), headers)
        return 200, {"headers": signed}

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        base = urlsplit(self.endpoint)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or parts.fragment:
            return False
        path = unquote(parts.path)
        bucket_root = f"/{self.bucket}/"
        if path == f"/{self.bucket}" or path == bucket_root:  # listing: its prefix must be ours
            listed = dict(p.partition("=")[::2] for p in parts.query.split("&") if p)
            return not self.prefix or unquote(listed.get("prefix", "")).startswith(self.prefix + "/") \
                or unquote(listed.get("prefix", "")) == self.prefix
        if not path.startswith(bucket_root) or "/../" in path or path.endswith("/.."):
            return False
        key = path[len(bucket_root):]
        return not self.prefix or key.startswith(self.prefix + "/")
