"""Password hashing (argon2id) and the local password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

from ..core.errors import ValidationFailed

_hasher = PasswordHasher()
MIN_LENGTH = 10


def check_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(_("The password must have at least %(min)d characters.", min=MIN_LENGTH))
    if password.strip() != password or not password.strip():
        raise ValidationFailed(_("The password must not start or end with spaces."))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash or not password:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A real hash to verify against when the account does not exist, so timing does not reveal it.
DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")
