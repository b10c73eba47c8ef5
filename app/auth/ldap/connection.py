"""Connections: TLS with certificate verification, timeouts, no referrals, paged searches, and one
error (DirectoryUnavailable, a 503) for everything that goes wrong on the way to the directory."""

from __future__ import annotations

import logging
import threading

import ldap
from flask import has_request_context
from flask_babel import gettext
from ldap.controls.libldap import SimplePagedResultsControl

from ...core.errors import ServicedeskError
from .config import LdapConfig
from .entries import lower_keys

log = logging.getLogger("app.auth.ldap")


def _(text: str) -> str:
    """Translated in a request (the sign-in page); plain English in the CLI and in jobs."""
    return gettext(text) if has_request_context() else text


#: at most this many connection attempts may hang at once (libldap has no TLS handshake timeout)
_connect_slots = threading.BoundedSemaphore(8)


class DirectoryUnavailable(ServicedeskError):
    """The directory cannot be reached or refuses our service account: sign-in via LDAP is impossible now."""

    status = 503
    code = "directory_unavailable"


def unavailable(cfg: LdapConfig, what: str, exc: BaseException | None = None) -> DirectoryUnavailable:
    detail = ""
    if isinstance(exc, ldap.LDAPError) and exc.args and isinstance(exc.args[0], dict):
        detail = " ".join(str(exc.args[0].get(k, "")) for k in ("desc", "info")).strip()
    log.error("LDAP directory %s: %s%s", cfg.url, what, f" ({detail})" if detail else "")
    return DirectoryUnavailable(
        _("The directory (LDAP) cannot be reached right now, so directory accounts cannot sign in. "
          "Please try again later or contact IT."), {"reason": what})


def _initialize(cfg: LdapConfig):
    conn = ldap.initialize(cfg.url)
    conn.set_option(ldap.OPT_PROTOCOL_VERSION, ldap.VERSION3)
    conn.set_option(ldap.OPT_REFERRALS, 0)
    conn.set_option(ldap.OPT_NETWORK_TIMEOUT, cfg.network_timeout)
    conn.set_option(ldap.OPT_TIMEOUT, cfg.timeout)
    conn.timeout = cfg.timeout  # python-ldap's own wait in the *_s methods
    conn.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
    conn.set_option(ldap.OPT_X_TLS_PROTOCOL_MIN, ldap.OPT_X_TLS_PROTOCOL_TLS1_2)
    if cfg.ca_file:
        conn.set_option(ldap.OPT_X_TLS_CACERTFILE, cfg.ca_file)
    conn.set_option(ldap.OPT_X_TLS_NEWCTX, 0)  # last: builds this connection's TLS context from the above
    return conn


def open_connection(cfg: LdapConfig, bind_dn: str, password: str, controls=None):
    """Connect (TLS if configured) and bind. Runs in a helper thread with a deadline, because libldap has
    no timeout for the TLS handshake of ldaps:// (a server that accepts and then stays silent would
    block this request forever). Raises DirectoryUnavailable on connection problems; bind errors
    (INVALID_CREDENTIALS, ...) are re-raised as python-ldap exceptions."""
    if not _connect_slots.acquire(blocking=False):
        raise unavailable(cfg, "too many connection attempts are hanging")
    outcome: dict = {}
    handover = threading.Lock()

    def connect():
        try:
            conn = _initialize(cfg)
            if cfg.start_tls:
                conn.start_tls_s()
            conn.simple_bind_s(bind_dn, password, serverctrls=controls)
            with handover:
                outcome["conn"] = conn
                if outcome.get("abandoned"):  # the caller gave up waiting: nobody will use it
                    close(conn)
        except BaseException as exc:  # handed to the waiting thread
            outcome["error"] = exc
        finally:
            _connect_slots.release()

    worker = threading.Thread(target=connect, name="ldap-connect", daemon=True)
    worker.start()
    worker.join(cfg.network_timeout + 2 * cfg.timeout)
    with handover:
        if worker.is_alive() and "conn" not in outcome:
            outcome["abandoned"] = True
            raise unavailable(cfg, "no answer within the timeout")
    error = outcome.get("error")
    if isinstance(error, ldap.SERVER_DOWN | ldap.CONNECT_ERROR | ldap.TIMEOUT | ldap.UNAVAILABLE | ldap.BUSY):
        raise unavailable(cfg, "cannot connect (down, unreachable, or the TLS certificate was not trusted)", error)
    if error is not None:
        raise error
    return outcome["conn"]


def service_connection(cfg: LdapConfig):
    """A connection bound as the service account (anonymous if LDAP_BIND_DN is empty)."""
    problems = cfg.problems()
    if problems:
        raise unavailable(cfg, "configuration: " + "; ".join(problems))
    try:
        return open_connection(cfg, cfg.bind_dn, cfg.bind_password)
    except ldap.INVALID_CREDENTIALS as exc:
        raise unavailable(cfg, "the service account (LDAP_BIND_DN) was refused", exc) from None
    except ldap.LDAPError as exc:
        raise unavailable(cfg, "service bind failed", exc) from None


def close(conn) -> None:
    try:
        conn.unbind_s()
    except ldap.LDAPError:
        pass


def search(conn, cfg: LdapConfig, base: str, filterstr: str, attrs: list[str] | None,
           scope=ldap.SCOPE_SUBTREE) -> list[tuple[str, dict[str, list[bytes]]]]:
    """All entries (paged, so AD's 1000-entry limit does not cut the result); referrals are dropped.
    Attribute names are lower-cased."""
    page = SimplePagedResultsControl(False, size=cfg.page_size, cookie="")
    entries = []
    while True:
        msgid = conn.search_ext(base, scope, filterstr, attrs, serverctrls=[page])
        _, data, _, controls = conn.result3(msgid, timeout=cfg.timeout)
        entries += [(dn, lower_keys(a)) for dn, a in data if dn is not None]
        cookie = next((c.cookie for c in controls if c.controlType == SimplePagedResultsControl.controlType), None)
        if not cookie:
            return entries
        page.cookie = cookie

