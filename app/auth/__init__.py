"""Signing in: local accounts now; LDAP, SAML and TOTP join here."""
