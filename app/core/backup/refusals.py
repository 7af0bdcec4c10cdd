"""What a refusal from an S3-compatible server means, in the contract's error names and in words
a person can act on.

    raise refusal(403, "SignatureDoesNotMatch", "...", "upload", config)   # -> RemoteAuthError
    raise unreachable(config, origin, online=False)                        # -> RemoteUnreachableError

No message carries the secret; S3's own messages never echo it either.
"""

from __future__ import annotations

from ..errors import (RemoteAuthError, RemoteConflict, RemoteError, RemoteNotFoundError, RemoteUnreachableError,
                      VaultError)
from .config import BackupConfig

RETRYABLE = {408, 429, 500, 502, 503, 504}
CORS_HELP = ("allow the origin {origin}, the methods GET, PUT, POST, DELETE and HEAD, every request header "
             "(AllowedHeaders: *), and expose the ETag header")


def refusal(status: int, code: str, message: str, action: str, config: BackupConfig) -> Exception:
    """The error for an HTTP error answer; ``action`` says what was being done ("upload 'a.png'")."""
    where = f"bucket {config.bucket!r} at {config.endpoint}"
    said = f" ({status} {code}{': ' + message if message else ''})" if code else f" (HTTP {status})"
    if status == 412 or code == "ConditionalRequestConflict":
        return RemoteConflict(f"{action}: changed by another device")
    if code == "NoSuchBucket" or (status == 404 and not code and action == "test the connection"):
        return RemoteNotFoundError(f"There is no {where}. Check the bucket name and the endpoint (and its region), "
                                   "or create the bucket first.")
    if code == "InvalidAccessKeyId":
        return RemoteAuthError(f"The server does not know the access key ID {config.access_key_id!r}. Check it, "
                               "and that the key was not deleted.")
    if code == "SignatureDoesNotMatch":
        return RemoteAuthError(f"The secret key does not match access key {config.access_key_id!r} (or the region "
                               f"{config.region!r} is wrong for this server). Paste the secret again.")
    if code == "RequestTimeTooSkewed":
        return RemoteAuthError("This device's clock is more than 15 minutes off, so the server refuses its "
                               "signatures. Set the clock right and try again.")
    if code in ("ExpiredToken", "InvalidToken", "TokenRefreshRequired"):
        return RemoteAuthError(f"The key's session token expired or is invalid{said}. Give a fresh key.")
    if status in (401, 403):
        return RemoteAuthError(f"Access key {config.access_key_id!r} may not {action} in {where}{said}: give it "
                               "the rights to list, read, write and delete in that bucket (see the README), or "
                               "check the bucket's name (a key scoped to other buckets is refused whether or "
                               "not this one exists).")
    if status in RETRYABLE:
        return RemoteUnreachableError(f"The backup server is busy or failing{said}; the vault keeps trying, with "
                                      "pauses in between. Nothing is lost meanwhile.")
    if code == "BadDigest" or code == "XAmzContentChecksumMismatch":
        return RemoteError(f"Could not {action}: the server received bytes that do not match their CRC-32{said}. "
                           "It is tried again on the next sync.")
    if code in ("InvalidRequest", "NotImplemented", "InvalidArgument") and "checksum" in message.lower():
        return RemoteError(f"Could not {action}: this server does not accept CRC-32 checksums{said}. Turn "
                           "checksums off in the backup settings (R2 and B2 need that).")
    if code == "EntityTooLarge":
        return RemoteError(f"Could not {action}: it is larger than this server accepts in one request{said}.")
    return RemoteError(f"The backup server refused to {action}{said}.")


def unreachable(config: BackupConfig, origin: str, online: bool) -> VaultError:
    """A request that got no answer at all: offline, the server down or unknown, or CORS (which a
    page cannot tell apart from a network failure, so the message names both)."""
    if not online:
        return RemoteUnreachableError("This device is offline. Backups wait and continue when it is back online.")
    return RemoteUnreachableError(
        f"Could not reach {config.endpoint}: the server is down, the address is wrong, or the bucket's CORS "
        f"settings do not let this page use it. The bucket's CORS must {CORS_HELP.format(origin=origin)}.")


def signer_refusal(status: int, said: str, signer_url: str) -> VaultError:
    """The host's signing endpoint said no (or broke): its own words, and where it is."""
    said = f": {said[:200]}" if said else ""
    if status in (401, 403):
        return RemoteAuthError(f"The signer at {signer_url} refused to sign ({status}{said}). Sign in to the host "
                               "app again, or check that it signs for this bucket and prefix.")
    if status in RETRYABLE:
        return RemoteUnreachableError(f"The signer at {signer_url} is busy or failing ({status}{said}); the vault "
                                      "keeps trying.")
    return RemoteError(f"The signer at {signer_url} answered {status}{said} instead of signed headers.")
