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
