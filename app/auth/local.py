"""Local accounts: throttled password sign-in with temporary lockout, TOTP two-factor and recovery codes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import pyotp
import sqlalchemy as sa
from flask_babel import gettext as _

from ..core import signals
from ..core.clock import utcnow
from ..core.errors import ServicedeskError, ValidationFailed
from ..core.settings import get_setting
from ..extensions import db
from ..users.models import AuthSource, User
from ..users.operations import authenticate_local, get_user_by_email, set_password
from .models import PasswordReset, RecoveryCode

RECOVERY_CODES = 10
ISSUER = "Servicedesk"


class LoginRefused(ServicedeskError):
    status = 401
    code = "login_refused"

    def __init__(self, message: str, reason: str):
        super().__init__(message, {"reason": reason})
        self.reason = reason


def check_password_login(email: str, password: str) -> User:
    """The user for a correct local e-mail and password, or LoginRefused. Counts failures and locks the
    account for a while after too many, so passwords cannot be guessed online."""
    now = utcnow()
    user = get_user_by_email(email or "")
    if user is not None and user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise LoginRefused(
            _("Too many failed sign-ins. The account is locked for %(minutes)s more minute(s).", minutes=minutes),
            "locked")
    if not password:
        raise LoginRefused(_("Enter your password."), "empty password")
    authenticated = authenticate_local(email, password)
    if authenticated is None:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= get_setting("auth.lockout_after_failures"):
                user.locked_until = now + timedelta(minutes=get_setting("auth.lockout_minutes"))
                user.failed_logins = 0
            db.session.flush()
        raise LoginRefused(_("The e-mail address or password is not correct."), "bad credentials")
    return authenticated


def requires_second_factor(user: User) -> bool:
    return user.has_totp


def must_enrol_second_factor(user: User) -> bool:
    """Policy: roles that must use 2FA (local accounts; SSO users get theirs from the IdP)."""
    return (user.auth_source is AuthSource.local and not user.has_totp
            and user.role.value in get_setting("auth.require_2fa_roles"))


def begin_totp(user: User) -> str:
    """A fresh secret for the user to scan; two-factor is on only once confirm_totp succeeds."""
    user.totp_secret = pyotp.random_base32()
    user.totp_confirmed_at = None
    db.session.flush()
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def confirm_totp(user: User, code: str, actor) -> list[str]:
    """Turn two-factor on if ``code`` matches the new secret; returns fresh recovery codes (shown once)."""
    if not user.totp_secret or not pyotp.TOTP(user.totp_secret).verify((code or "").strip(), valid_window=1):
        raise ValidationFailed(_("The code is not correct. Check the time on your phone and try again."),
                               {"field": "code"})
    user.totp_confirmed_at = utcnow()
    codes = regenerate_recovery_codes(user)
    signals.second_factor_changed.send(user, actor=actor, enabled=True)
    return codes


def regenerate_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_code(c)) for c in codes)
    db.session.flush()
    return codes


def disable_totp(user: User, actor) -> None:
    user.totp_secret = user.totp_confirmed_at = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
    signals.second_factor_changed.send(user, actor=actor, enabled=False)


def verify_second_factor(user: User, code: str) -> str | None:
    """'totp' or 'recovery' if the code is good (a recovery code works once), else None."""
    code = (code or "").strip()
    if user.totp_secret and code.isdigit() and pyotp.TOTP(user.totp_secret).verify(code, valid_window=1):
        return "totp"
    row = db.session.scalar(sa.select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_code(code), RecoveryCode.used_at.is_(None)))
    if row is not None:
        row.used_at = utcnow()
        db.session.flush()
        return "recovery"
    return None


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


RESET_VALID_FOR = timedelta(hours=1)


def request_password_reset(email: str, link_for) -> None:
    """Send a one-time reset link if a local, active account has this address; say nothing either way
    (the page answers the same, so it reveals no accounts). ``link_for(token)`` builds the URL."""
    user = get_user_by_email(email or "")
    if user is None or not user.is_active or user.auth_source is not AuthSource.local:
        return
    token = secrets.token_urlsafe(32)
    reset = PasswordReset(user_id=user.id, token_hash=_hash_code(token), expires_at=utcnow() + RESET_VALID_FOR)
    db.session.add(reset)
    db.session.flush()
    signals.password_reset_requested.send(user, link=link_for(token), expires_at=reset.expires_at,
                                          token_id=reset.id)


def _valid_reset(token: str) -> PasswordReset | None:
    reset = db.session.scalar(sa.select(PasswordReset).where(PasswordReset.token_hash == _hash_code(token or "")))
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    return reset


def reset_user(token: str) -> User | None:
    reset = _valid_reset(token)
    return db.session.get(User, reset.user_id) if reset else None


def complete_password_reset(token: str, password: str) -> User:
    """Set the new password with a valid link (once); every session of the user ends."""
    reset = _valid_reset(token)
    if reset is None:
        raise ValidationFailed(_("This link is invalid, used or expired. Ask for a new one."), {"field": "token"})
    user = db.session.get(User, reset.user_id)
    set_password(user, password, user)
    reset.used_at = utcnow()
    user.failed_logins, user.locked_until = 0, None
    db.session.flush()
    return user
