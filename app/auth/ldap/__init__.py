"""LDAP / Active Directory sign-in and directory reading with python-ldap.

Safety rules: an empty password never reaches the server (an empty simple bind is an *anonymous* bind
that succeeds); the login is escaped in every filter; TLS (LDAPS or StartTLS) verifies the server
certificate; every call has a timeout and referrals are not followed; any directory failure becomes
DirectoryUnavailable (a clear 503, never a 500), so that local break-glass admins can still sign in.

config.py      LdapConfig from the LDAP_* keys
entries.py     pure: filters, DNs, entry -> DirectoryProfile / account state
connection.py  connect (TLS, timeouts), service bind, paged search, DirectoryUnavailable
login.py       probe_login / authenticate_ldap, nested groups, check_connection
The sync lives in app/auth/directory_sync.py.
"""

from .config import LdapConfig
from .connection import DirectoryUnavailable, search, service_connection, unavailable
from .entries import (
    account_state,
    build_profile,
    dn_key,
    external_id,
    in_chain_groups_filter,
    in_chain_members_filter,
    login_filter,
    normalize_dn,
    parents_filter,
)
from .login import (
    ConnectionCheck,
    DirectoryLoginRefused,
    authenticate_ldap,
    check_connection,
    expand_nested,
    lookup_manager,
    probe_login,
    user_groups,
)

__all__ = [
    "ConnectionCheck", "DirectoryLoginRefused", "DirectoryUnavailable", "LdapConfig", "account_state",
    "authenticate_ldap", "build_profile", "check_connection", "dn_key", "expand_nested", "external_id",
    "in_chain_groups_filter", "in_chain_members_filter", "login_filter", "lookup_manager", "normalize_dn",
    "parents_filter", "probe_login", "search", "service_connection", "unavailable", "user_groups",
]
