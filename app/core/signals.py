"""Every named signal, declared once. The module that reacts owns the handler.

Lower layers emit; higher layers (SLA, notifications, audit, ...) subscribe.
Each signal is sent with the affected object as sender and keyword arguments as documented.
"""

from blinker import Namespace

_signals = Namespace()

ticket_created = _signals.signal("ticket-created", doc="A ticket was created. kwargs: actor.")
ticket_updated = _signals.signal(
    "ticket-updated", doc="Ticket fields changed. kwargs: actor, changes {field: (old, new)}."
)
ticket_status_changed = _signals.signal(
    "ticket-status-changed", doc="Lifecycle transition. kwargs: actor, old, new, reason."
)
comment_added = _signals.signal(
    "comment-added", doc="A reply or internal note was added. sender: the comment. kwargs: actor."
)
user_created = _signals.signal("user-created", doc="A user account was created. kwargs: actor.")
user_logged_in = _signals.signal("user-logged-in", doc="Successful sign-in. kwargs: method.")
login_failed = _signals.signal("login-failed", doc="Failed sign-in. sender: email tried. kwargs: reason.")
token_created = _signals.signal("token-created", doc="API token created. sender: token. kwargs: actor.")
sessions_invalidated = _signals.signal(
    "sessions-invalidated",
    doc="Every session of a user must end (password, role change, deactivation). sender: user. kwargs: reason.",
)
user_updated = _signals.signal(
    "user-updated", doc="A user's profile, role or teams changed. kwargs: actor, changes {field: (old, new)}, reasons."
)
user_deactivated = _signals.signal("user-deactivated", doc="A user can no longer sign in. kwargs: actor, reason.")
logged_out = _signals.signal("logged-out", doc="A user signed out. kwargs: reason.")
token_revoked = _signals.signal("token-revoked", doc="An API token was revoked. sender: token. kwargs: actor.")
directory_synced = _signals.signal(
    "directory-synced", doc="An LDAP sync ran. sender: the sync result. kwargs: dry_run, aborted (reason or None)."
)
second_factor_changed = _signals.signal(
    "second-factor-changed", doc="Two-factor sign-in turned on or off. sender: user. kwargs: actor, enabled."
)
configuration_changed = _signals.signal(
    "configuration-changed",
    doc="An admin changed configuration kept in the database. kwargs: actor, what (e.g. 'settings.changed'), details.",
)
password_reset_requested = _signals.signal(
    "password-reset-requested",
    doc="A user asked for a password reset link. sender: user. kwargs: link (one-time URL), expires_at, token_id.",
)
