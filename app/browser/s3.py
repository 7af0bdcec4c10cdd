"""The RemoteStore port over fetch: one bucket of an S3-compatible server, signed with SigV4.

    remote = S3Remote(config)
    await remote.put("projects/p_1/images/a-r1.png", blob, "image/png", crc32)   # the Blob goes as is

Media goes from Blob to fetch, never through Python; only signatures are computed here (the
payload is UNSIGNED-PAYLOAD, its integrity the CRC-32 header). XML answers are read with
DOMParser; refusals become the contract's errors (app.core.backup.refusals).
"""

from __future__ import annotations

import base64
import json
import secrets
from urllib.parse import quote
from xml.sax.saxutils import escape

import js
from pyodide.ffi import to_js

from app.core.backup.config import BackupConfig
from app.core.backup.refusals import refusal, signer_refusal, unreachable
from app.core.backup.sigv4 import sign_headers
from app.core.errors import RemoteError, RemoteUnreachableError

from .jsconv import to_js_record
from .net import NetError, fetch, read


class S3Remote:
    def __init__(self, config: BackupConfig):
        self.config = config

    async def _send(self, method: str, key: str | None, action: str, query: dict | None = None,
                    headers: dict | None = None, body=None, ok=(200,)):
        url = self.config.object_url(key) if key is not None else self.config.bucket_url()
        if query:
            url += "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='~')}" for k, v in query.items())
        if self.config.signer_url:
            signed = await self._signed_by_host(method, url, headers or {})
        else:
            signed = sign_headers(method, url, self.config.credentials, self.config.region, int(js.Date.now()),
                                  headers or {})
        init = {"method": method, "headers": signed, "cache": "no-store", "credentials": "omit",
                "mode": "cors"}
        options = to_js_record(init)
        if body is not None:
            options.body = body
        try:
            response = await fetch(url, options)
        except Exception:  # a TypeError: offline, refused, or blocked by CORS (a page cannot tell which)
            raise unreachable(self.config, str(js.location.origin), bool(js.navigator.onLine)) from None
        if response.status in ok:
            return response
        text = await self._body(response) if method != "HEAD" else ""
        code, message = _error_fields(text)
        raise refusal(int(response.status), code, message, action, self.config)

    async def _body(self, response, how: str = "text"):
        """A response's body; a connection that breaks off while it comes is the remote unreachable."""
        try:
            return await read(response, how)
        except NetError:
            raise unreachable(self.config, str(js.location.origin), bool(js.navigator.onLine)) from None

    async def _signed_by_host(self, method: str, url: str, headers: dict) -> dict:
        """signerUrl mode: the host's server signs (it keeps the secret); see the README's contract."""
        signer = self.config.signer_url
        options = to_js_record({"method": "POST", "headers": {"content-type": "application/json"},
                                "cache": "no-store", "credentials": "include"})
        options.body = json.dumps({"method": method, "url": url, "headers": headers})
        try:
            response = await fetch(signer, options)
        except Exception:
            online = bool(js.navigator.onLine)
            raise RemoteUnreachableError(f"Could not reach the signer at {signer}." if online else
                                         "This device is offline. Backups wait and continue when it is back online.") from None
        text = str(await self._body(response))
        if not response.ok:
            try:
                said = str(json.loads(text).get("error") or "")
            except (ValueError, AttributeError):
                said = ""
            raise signer_refusal(int(response.status), said, signer)
        try:
            signed = json.loads(text)["headers"]
            if not isinstance(signed, dict) or "authorization" not in {k.lower() for k in signed}:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise RemoteError(f"The signer at {signer} did not answer with signed headers "
                              '({"headers": {..., "authorization": ...}}).') from None
        return {str(k): str(v) for k, v in signed.items()}

    async def check(self) -> None:
        await self._send("GET", None, "test the connection",
                         {"list-type": "2", "max-keys": "1", "prefix": self.config.prefix})
        probe = f"{self.config.prefix + '/' if self.config.prefix else ''}.vault-check-{secrets.token_hex(6)}"
        await self._send("PUT", probe, "write a test object", headers={"content-type": "text/plain"},
                         body="asset vault connection test")
        await self._send("DELETE", probe, "delete a test object", ok=(200, 204))

    async def put(self, key: str, blob, mime: str, crc32: int | None) -> None:
        headers = {"content-type": mime or "application/octet-stream"}
        if crc32 is not None:
            headers["x-amz-checksum-crc32"] = base64.b64encode(crc32.to_bytes(4, "big")).decode()
        await self._send("PUT", key, f"upload {key!r}", headers=headers, body=blob)

    async def put_bytes(self, key: str, data: bytes, mime: str, if_match: str | None = None,
                        if_none_match: bool = False) -> str:
        headers = {"content-type": mime}
        if if_match:
            headers["if-match"] = if_match
        elif if_none_match:
            headers["if-none-match"] = "*"
        response = await self._send("PUT", key, f"write {key!r}", headers=headers, body=to_js(data))
        return str(response.headers.get("etag") or "")

    async def get(self, key: str):
        response = await self._send("GET", key, f"read {key!r}", ok=(200, 404))
        if response.status == 404:
            code, message = _error_fields(await self._body(response))
            if code == "NoSuchKey" or not code:
                return None
            raise refusal(404, code, message, f"read {key!r}", self.config)
        etag = response.headers.get("etag")
        if etag is None:
            raise RemoteError("The server's answer hides the ETag header, so manifests cannot be updated safely. "
                              "The bucket's CORS must expose the ETag header (ExposeHeaders: ETag).")
        return await self._body(response, "blob"), str(etag)

    async def list(self, prefix: str, delimiter: str | None = None):
        keys, prefixes, token = [], [], None
        while True:
            query = {"list-type": "2", "prefix": prefix}
            if delimiter:
                query["delimiter"] = delimiter
            if token:
                query["continuation-token"] = token
            response = await self._send("GET", None, "list objects", query)
            doc = _xml(await self._body(response))
            for node in doc.getElementsByTagName("Contents"):
                keys.append({"key": _text(node, "Key"), "size": int(_text(node, "Size") or 0)})
            for node in doc.getElementsByTagName("CommonPrefixes"):
                prefixes.append(_text(node, "Prefix"))
            token = _text(doc, "NextContinuationToken")
            if _text(doc, "IsTruncated") != "true" or not token:
                return keys, prefixes

    # -- multipart ------------------------------------------------------------------------

    async def start_multipart(self, key: str, mime: str) -> str:
        response = await self._send("POST", key, f"start uploading {key!r} in parts", {"uploads": ""},
                                    headers={"content-type": mime or "application/octet-stream"})
        upload_id = _text(_xml(await self._body(response)), "UploadId")
        if not upload_id:
            raise RemoteError(f"The server did not start a multipart upload of {key!r} (no UploadId).")
        return upload_id

    async def put_part(self, key: str, upload_id: str, number: int, blob) -> str:
        response = await self._send("PUT", key, f"upload part {number} of {key!r}",
                                    {"partNumber": str(number), "uploadId": upload_id}, body=blob)
        etag = response.headers.get("etag")
        if not etag:
            raise RemoteError("The server's answer hides the part's ETag, so a multipart upload cannot finish. "
                              "The bucket's CORS must expose the ETag header (ExposeHeaders: ETag).")
        return str(etag)

    async def list_parts(self, key: str, upload_id: str):
        parts, marker = {}, None
        while True:
            query = {"uploadId": upload_id}
            if marker:
                query["part-number-marker"] = marker
            response = await self._send("GET", key, f"list the parts of {key!r}", query, ok=(200, 404))
            text = await self._body(response)
            if response.status == 404:
                code, message = _error_fields(text)
                if code in ("NoSuchUpload", ""):
                    return None
                raise refusal(404, code, message, f"list the parts of {key!r}", self.config)
            doc = _xml(text)
            for node in doc.getElementsByTagName("Part"):
                parts[int(_text(node, "PartNumber"))] = (_text(node, "ETag"), int(_text(node, "Size") or 0))
            marker = _text(doc, "NextPartNumberMarker")
            if _text(doc, "IsTruncated") != "true" or not marker:
                return parts

    async def complete_multipart(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        body = "<CompleteMultipartUpload>" + "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{escape(etag)}</ETag></Part>" for n, etag in parts
        ) + "</CompleteMultipartUpload>"
        response = await self._send("POST", key, f"finish uploading {key!r}", {"uploadId": upload_id},
                                    headers={"content-type": "application/xml"}, body=body)
        # S3 may answer 200 and still fail: the error is in the body.
        code, message = _error_fields(await self._body(response))
        if code:
            raise refusal(500 if code == "InternalError" else 400, code, message, f"finish uploading {key!r}",
                          self.config)

    async def abort_multipart(self, key: str, upload_id: str) -> None:
        await self._send("DELETE", key, f"abort uploading {key!r}", {"uploadId": upload_id}, ok=(200, 204, 404))

    async def delete(self, key: str) -> None:
        await self._send("DELETE", key, f"delete {key!r}", ok=(200, 204))


def _text(node, tag: str) -> str:
    found = node.getElementsByTagName(tag)
    return str(found.item(0).textContent) if found.length else ""


def _xml(text: str):
    return js.DOMParser.new().parseFromString(text, "application/xml")


def _error_fields(text: str) -> tuple[str, str]:
    """(Code, Message) of an S3 <Error> document; ("", "") for anything else."""
    if not text:
        return "", ""
    doc = _xml(text)
    if doc.documentElement is None or str(doc.documentElement.nodeName) != "Error":
        return "", ""
    return _text(doc, "Code"), _text(doc, "Message")[:300]
