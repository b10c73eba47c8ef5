"""`servicedesk ldap-sync` and `servicedesk ldap-test`: the directory sync and a connection check."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..core.errors import ServicedeskError


@click.command("ldap-sync")
@click.option("--dry-run", is_flag=True, help="Print what would change and change nothing.")
@click.option("--force", is_flag=True,
              help="Apply even if more than ldap.max_deactivate_share of the users would be deactivated "
                   "(the last-administrator guard still applies).")
@with_appcontext
def ldap_sync_command(dry_run, force):
    """Synchronise users from LDAP / Active Directory (create, update, deactivate)."""
    from ..core.actors import SYSTEM
    from ..extensions import db
    from .directory_sync import sync_directory
    from .ldap import LdapConfig

    cfg = LdapConfig.from_app()
    if not cfg.is_configured:
        raise click.ClickException("LDAP is not configured (set SERVICEDESK_LDAP_URL).")
    try:
        result = sync_directory(SYSTEM, dry_run=dry_run, force=force, cfg=cfg)
    except ServicedeskError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(result.describe())
    if result.aborted:
        sys.exit(1)


@click.command("ldap-test")
@click.argument("login", required=False)
@click.option("--password-stdin", is_flag=True, help="Read a password from standard input and test the sign-in.")
@with_appcontext
def ldap_test_command(login, password_stdin):
    """Check the directory connection; with LOGIN and --password-stdin, test a sign-in (no account is created)."""
    from ..users.models import AuthSource
    from .ldap import DirectoryLoginRefused, DirectoryUnavailable, LdapConfig, check_connection, probe_login
    from .provisioning import grants_for

    check = check_connection()
    click.echo(("OK: " if check.ok else "FAILED: ") + check.message)
    if not check.ok:
        sys.exit(1)
    if not login:
        return
    password = sys.stdin.readline().rstrip("\n") if password_stdin else click.prompt("Password", hide_input=True)
    try:
        profile = probe_login(login, password, LdapConfig.from_app())
    except (DirectoryLoginRefused, DirectoryUnavailable) as exc:
        raise click.ClickException(exc.message) from None
    if profile is None:
        raise click.ClickException("unknown login or wrong password")
    grant = grants_for(AuthSource.ldap, profile.groups)
    for name in ("external_id", "email", "name", "department", "location", "phone", "language", "manager",
                 "is_vip"):
        click.echo(f"{name:12} {getattr(profile, name)}")
    click.echo(f"{'role':12} {grant.role.value}   teams: {', '.join(t.name for t in grant.teams) or '-'}")
    click.echo("groups:      " + ("\n             ".join(profile.groups) or "-"))
    click.echo("mappings:    " + "; ".join(grant.reasons))
