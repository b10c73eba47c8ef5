"""The audit log listens to the signals of lower domains (core/signals.py)."""

from __future__ import annotations

from ..core import signals
from .operations import record


def _jsonable(changes: dict) -> dict:
    return {k: [str(v) if not isinstance(v, (str, int, bool, list, type(None))) else v for v in pair]
            for k, pair in changes.items()}


def on_login(user, method, **_):
    record("auth.login", user, target_type="user", target_id=user.id, method=method)


def on_login_failed(login, reason, **_):
    record("auth.login_failed", None, target_type="login", target_id=str(login)[:64], reason=reason)


def on_logout(user, reason="logout", **_):
    record("auth.logout", user, target_type="user", target_id=user.id, reason=reason)


def on_user_created(user, actor, **_):
    record("user.created", actor, target_type="user", target_id=user.id, email=user.email, role=user.role.value,
           source=user.auth_source.value)


def on_user_updated(user, actor, changes, reasons=(), **_):
    record("user.updated", actor, target_type="user", target_id=user.id, changes=_jsonable(changes),
           reasons=list(reasons) or None)


def on_user_deactivated(user, actor, reason, **_):
    record("user.deactivated", actor, target_type="user", target_id=user.id, reason=reason)


def on_sessions_invalidated(user, reason, **_):
    record("auth.sessions_revoked", None, target_type="user", target_id=user.id, reason=reason)


def on_token_created(token, actor, **_):
    record("token.created", actor, target_type="token", target_id=token.id, user_id=token.user_id,
           scopes=token.scopes, prefix=token.prefix)


def on_token_revoked(token, actor, **_):
    record("token.revoked", actor, target_type="token", target_id=token.id, user_id=token.user_id)


def on_directory_synced(result, dry_run=False, aborted=None, **_):
    summary = result.summary() if hasattr(result, "summary") else str(result)
    record("directory.sync", None, target_type="directory", dry_run=dry_run, aborted=aborted, summary=summary)


def on_second_factor_changed(user, actor, enabled, **_):
    record("auth.2fa_enabled" if enabled else "auth.2fa_disabled", actor, target_type="user", target_id=user.id)


def on_configuration_changed(sender, actor, what, details, **_):
    record(what, actor, target_type="configuration", **details)


SUBSCRIPTIONS = [
    (signals.configuration_changed, on_configuration_changed),
    (signals.second_factor_changed, on_second_factor_changed),
    (signals.user_logged_in, on_login),
    (signals.login_failed, on_login_failed),
    (signals.logged_out, on_logout),
    (signals.user_created, on_user_created),
    (signals.user_updated, on_user_updated),
    (signals.user_deactivated, on_user_deactivated),
    (signals.sessions_invalidated, on_sessions_invalidated),
    (signals.token_created, on_token_created),
    (signals.token_revoked, on_token_revoked),
    (signals.directory_synced, on_directory_synced),
]


def init_audit(app) -> None:
    for signal, handler in SUBSCRIPTIONS:
        signal.connect(handler, weak=False)
