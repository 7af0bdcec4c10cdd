"""Errors the vault raises; the bridge turns each into a JS ``Error`` whose ``name`` is ``name``.

    raise InvalidInputError("The file is not an image, video or audio file we recognise.")
"""


class VaultError(Exception):
    """Base class: ``str(err)`` is a sentence a person can act on."""

    name = "Error"


class InvalidInputError(VaultError):
    name = "InvalidInputError"


class NotFoundError(VaultError):
    name = "NotFoundError"


class QuotaExceededError(VaultError):
    name = "QuotaExceededError"


class StorageUnavailableError(VaultError):
    name = "StorageUnavailableError"


class InvalidIdError(VaultError):
    name = "InvalidIdError"


class InvalidArchiveError(VaultError):
    """A zip that is refused; the message names the entry and the reason."""

    name = "InvalidArchiveError"


class IntegrityError(VaultError):
    """Bytes that do not match their CRC-32 (a restore refuses them; the message names the file)."""

    name = "IntegrityError"


class RemoteError(VaultError):
    """The backup server refused a request for a reason not named below (the message gives its code)."""

    name = "RemoteError"


class RemoteAuthError(RemoteError):
    """Wrong access key or secret, or a key without rights on the bucket (HTTP 401/403)."""

    name = "RemoteAuthError"


class RemoteNotFoundError(RemoteError):
    """No such bucket at the endpoint."""

    name = "RemoteNotFoundError"


class RemoteUnreachableError(RemoteError):
    """Offline, a network or CORS failure, or a server that keeps answering 5xx/429: worth retrying."""

    name = "RemoteUnreachableError"


class RemoteConflict(Exception):
    """A conditional write lost a race (HTTP 412): re-read and try again. Never reaches a user."""
