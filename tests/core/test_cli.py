"""The `servicedesk` command: run as a real process where that matters (--version, init, config errors),
through the click test runner for the rest."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import __version__
from app.cli import main
from app.core import migrate
from app.extensions import db
from app.users.models import Role, User
from app.users.operations import authenticate_local, authenticate_token

from ..conftest import TEST_DB

SERVICEDESK = str(Path(sys.executable).parent / "servicedesk")
_names = itertools.count(1)


def _env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SERVICEDESK_")}
    env.update({f"SERVICEDESK_{k}": v for k, v in settings.items()})
    return env


def _servicedesk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([SERVICEDESK, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def fresh_env(tmp_path, request):
    """Settings for a process against a new, empty database of the kind under test."""
    if TEST_DB == "postgresql":
        url = request.getfixturevalue("pg_cluster")(f"cli_{next(_names)}")
    else:
        url = f"sqlite:///{tmp_path / 'cli.db'}"
    return _env(DATABASE_URL=url, DATA_DIR=str(tmp_path), SECRET_KEY="cli-test-secret-0123456789")


def test_version():
    result = _servicedesk("--version", env=_env())
    assert result.returncode == 0
    assert result.stdout.strip() == f"servicedesk {__version__}"  # the deployment contract's format


def test_help_lists_the_commands():
    result = _servicedesk("--help", env=_env())
    assert result.returncode == 0
    for command in ("init", "create-user", "create-token", "demo", "serve", "scheduler", "db-revision", "backup",
                    "restore"):
        assert command in result.stdout


def test_init_migrates_to_head_and_is_idempotent(fresh_env):
    first = _servicedesk("init", env=fresh_env)
    assert first.returncode == 0, first.stderr
    head = migrate.head_revision()
    assert first.stdout.splitlines() == [f"database at revision {head}",
                                         "shipped the default SLA calendars and policies (PRODUCT.md)"]
    second = _servicedesk("init", env=fresh_env)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == f"database at revision {head} (already up to date)"  # nothing shipped twice
    engine = sa.create_engine(fresh_env["SERVICEDESK_DATABASE_URL"], poolclass=sa.pool.NullPool)
    assert migrate.current_revision(engine) == head
    assert "ticket" in sa.inspect(engine).get_table_names()
    engine.dispose()


def test_commands_never_run_the_scheduler_even_when_the_configuration_enables_it(fresh_env):
    # a backup or restore must not race the jobs; only `serve` and `scheduler` run them
    assert _servicedesk("init", env=fresh_env).returncode == 0
    result = _servicedesk("db-revision", env={**fresh_env, "SERVICEDESK_SCHEDULER_ENABLED": "true"})
    assert result.returncode == 0, result.stderr
    engine = sa.create_engine(fresh_env["SERVICEDESK_DATABASE_URL"], poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM scheduler_heartbeat")).scalar() == 0
    engine.dispose()


def test_a_command_without_configuration_names_the_missing_keys():
    result = _servicedesk("init", env=_env())
    assert result.returncode != 0
    assert "SERVICEDESK_DATABASE_URL" in result.stderr and "SERVICEDESK_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_create_user_with_teams_and_a_password_from_stdin(runner):
    result = runner.invoke(main, ["create-user", "Nora.Agent@Example.org", "--role", "agent", "--name", "Nora",
                                  "--team", "Network (L2)", "--team", "Service Desk (L1)", "--password-stdin"],
                           input="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert "created agent nora.agent@example.org" in result.output
    db.session.expire_all()
    user = authenticate_local("nora.agent@example.org", "a long enough password")
    assert user is not None and user.role is Role.agent and user.name == "Nora"
    assert sorted(t.name for t in user.teams) == ["Network (L2)", "Service Desk (L1)"]


def test_create_user_without_password_cannot_sign_in_locally(runner):
    result = runner.invoke(main, ["create-user", "sso.only@example.org", "--role", "requester"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "sso.only@example.org"))
    assert user.password_hash is None and user.name == "sso.only"


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["create-user", "x@example.org", "--role", "emperor"], None, "Invalid value for '--role'"),
    (["create-user", "not-an-address", "--role", "agent"], None, "not a valid e-mail address"),
    (["create-user", "short@example.org", "--role", "agent", "--password-stdin"], "short\n", "at least"),
])
def test_create_user_refuses_bad_input_and_creates_nothing(runner, args, stdin, message):
    result = runner.invoke(main, args, input=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_create_user_refuses_a_duplicate(runner, make_user):
    existing = make_user(Role.agent)
    result = runner.invoke(main, ["create-user", existing.email.upper(), "--role", "admin"])
    assert result.exit_code == 1
    assert "already exists" in result.output
    db.session.expire_all()
    assert db.session.get(User, existing.id).role is Role.agent


def test_create_token_prints_a_token_that_authenticates(runner, make_user):
    user = make_user(Role.agent)
    result = runner.invoke(main, ["create-token", user.email, "--name", "monitoring", "--scope", "read"])
    assert result.exit_code == 0, result.output
    plaintext = result.output.strip()
    assert plaintext.startswith("sdk_") and len(plaintext) > 30
    db.session.expire_all()
    token = authenticate_token(plaintext)
    assert token is not None and token.user_id == user.id
    assert token.name == "monitoring" and token.scope_set == {"read"}
    assert plaintext not in (token.token_hash, token.prefix)  # only a hash is stored


def test_create_token_for_an_unknown_user_fails(runner):
    result = runner.invoke(main, ["create-token", "nobody@example.org"])
    assert result.exit_code == 1
    assert "no user with the e-mail address nobody@example.org" in result.output
