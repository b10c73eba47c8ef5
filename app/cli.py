"""The `servicedesk` command: a Flask/click group; each command wraps operations or jobs."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from . import __version__, create_app
from .auth.cli import ldap_sync_command, ldap_test_command
from .core.errors import ConfigError, ServicedeskError
from .ops.cli import backup_command, db_revision_command, restore_command


def _create_app():
    # Commands never run the scheduler (a restore must not race the jobs); `serve` and `scheduler` do.
    try:
        return create_app({"SCHEDULER_ENABLED": False})
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, add_default_commands=False)
@click.version_option(__version__, prog_name="servicedesk", message="%(prog)s %(version)s")
def main():
    """Servicedesk: a self-hosted ITSM service desk."""


@main.command()
@with_appcontext
def init():
    """Create or migrate the database to the newest schema (safe to run again)."""
    from .core import migrate
    from .extensions import db
    from .sla.operations import ensure_default_policies

    before = migrate.current_revision(db.engine)
    migrate.upgrade(current_app.config["DATABASE_URL"])
    after = migrate.current_revision(db.engine)
    created = ensure_default_policies()
    db.session.commit()
    click.echo(f"database at revision {after}" + ("" if before != after else " (already up to date)"))
    if created:
        click.echo("shipped the default SLA calendars and policies (PRODUCT.md)")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host, port):
    """Run a development server with the scheduler (use gunicorn in production)."""
    from werkzeug.serving import run_simple

    app = create_app({"SCHEDULER_ENABLED": True})
    click.echo(f"Servicedesk on http://{host}:{port}/  (Ctrl+C to stop)")
    run_simple(host, port, app, threaded=True, use_reloader=False)


@main.command("scheduler")
def scheduler():
    """Run only the scheduler (for sites that prefer a separate service unit)."""
    import signal
    import threading

    app = create_app({"SCHEDULER_ENABLED": True})
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo("scheduler running; it runs jobs while it holds the leader lock")
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    app.extensions["scheduler"].shutdown()


def _fail(exc: ServicedeskError):
    raise click.ClickException(exc.message)


@main.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["requester", "agent", "lead", "admin", "auditor"]), required=True)
@click.option("--name", default=None, help="Display name (default: from the e-mail address).")
@click.option("--team", "teams", multiple=True, help="Team name; created if missing. Repeatable.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(email, role, name, teams, password_stdin):
    """Create a local account."""
    from .core.actors import SYSTEM
    from .extensions import db
    from .users.models import Role
    from .users.operations import create_user, get_or_create_team

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    try:
        user = create_user(email, name, Role(role), SYSTEM, password=password,
                           teams=[get_or_create_team(t) for t in teams])
    except ServicedeskError as exc:
        _fail(exc)
    db.session.commit()
    click.echo(f"created {user.role.value} {user.email} (id {user.id})")


@main.command("create-token")
@click.argument("email")
@click.option("--name", default="CLI token")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(["read", "write", "admin"]),
              help="Repeatable; default read and write.")
@with_appcontext
def create_token_command(email, name, scopes):
    """Print a new API token for a user (shown once; only its hash is stored)."""
    from .core.actors import SYSTEM
    from .extensions import db
    from .users.operations import create_api_token, get_user_by_email

    user = get_user_by_email(email)
    if user is None:
        raise click.ClickException(f"no user with the e-mail address {email}")
    _, plaintext = create_api_token(user, SYSTEM, name=name, scopes=set(scopes) or None)
    db.session.commit()
    click.echo(plaintext)


@main.command("demo")
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--tickets", "ticket_count", default=300, show_default=True, type=int)
@with_appcontext
def demo(seed, ticket_count):
    """Fill an empty database with realistic demo data and print the admin login."""
    from .demo import load_demo

    try:
        login = load_demo(seed=seed, ticket_count=ticket_count)
    except ServicedeskError as exc:
        _fail(exc)
    click.echo(f"demo data loaded. Admin login: {login[0]}  password: {login[1]}")


# Commands that live with their domain
main.add_command(ldap_sync_command)
main.add_command(ldap_test_command)
main.add_command(db_revision_command)
main.add_command(backup_command)
main.add_command(restore_command)
