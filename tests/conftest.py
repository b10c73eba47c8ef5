"""Shared fixtures. The database is SQLite by default; SERVICEDESK_TEST_DB=postgresql runs the same
tests against a throwaway PostgreSQL 15 cluster started here."""

from __future__ import annotations

import itertools
import os

import pyotp
import pytest
import sqlalchemy as sa
from flask import g, request_started

from app import create_app
from app.catalog.models import Category, Criticality, Service
from app.core import migrate
from app.extensions import db as _db
from app.sla.operations.calendars import forget_cached_calendars
from app.users.models import Role, Team, User
from app.users.passwords import hash_password

from .servers import postgres_cluster

TEST_DB = os.environ.get("SERVICEDESK_TEST_DB", "sqlite")
PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(PASSWORD)
_seq = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster():
    if TEST_DB != "postgresql":
        pytest.skip("PostgreSQL run only (SERVICEDESK_TEST_DB=postgresql)")
    with postgres_cluster() as create_database:
        yield create_database


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, request):
    if TEST_DB == "postgresql":
        return request.getfixturevalue("pg_cluster")("servicedesk_test")
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app_config(database_url, tmp_path_factory):
    return {
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path_factory.mktemp("data")),
        "SECRET_KEY": "test-secret-key-0123456789",
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
    }


@pytest.fixture(scope="session")
def app(app_config):
    application = create_app(app_config)
    migrate.upgrade(app_config["DATABASE_URL"])

    # Tests hold an app context open, and Flask reuses it for test-client requests, so per-context
    # caches would leak between requests. Drop what a real request starts without: Flask-Login's cached
    # user and Flask-Babel's cached locale, time zone and translations (flask_babel keeps them on
    # g._flask_babel), so the sign-in request does not decide the language of the next page.
    def _fresh_request(sender, **extra):
        g.pop("_login_user", None)
        g.pop("_flask_babel", None)

    request_started.connect(_fresh_request, application, weak=False)

    return application


def _clean(engine: sa.Engine) -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + ", ticket_search RESTART IDENTITY CASCADE"
            ))
        else:
            for table in tables:
                conn.execute(sa.text(f'DELETE FROM "{table}"'))
            conn.execute(sa.text("DELETE FROM ticket_fts"))


@pytest.fixture(autouse=True)
def db(request):
    """An app context and a clean database for every test that uses the app."""
    if "app" not in request.fixturenames:
        yield None
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        _clean(_db.engine)
        # The emptied database reuses ids (and tests freeze the clock): calendars cached by (id, version,
        # edit time) must not outlive it, as they never outlive a database in production.
        forget_cached_calendars()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    def make(role: Role | str = Role.requester, *, teams=(), email=None, name=None, **profile) -> User:
        role = Role(role)
        n = next(_seq)
        user = User(email=email or f"{role.value}{n}@example.org", name=name or f"{role.value.title()} {n}",
                    role=role, password_hash=_PASSWORD_HASH, teams=list(teams), **profile)
        _db.session.add(user)
        _db.session.commit()
        return user

    return make


@pytest.fixture
def login():
    """Sign ``user`` in through the login form, passing the second step for users with 2FA
    (admins must have it by default: they get it enrolled here)."""

    def do_login(client, user: User, password: str = PASSWORD):
        from app.auth import local

        if local.must_enrol_second_factor(user):
            local.confirm_totp(user, pyotp.TOTP(local.begin_totp(user)).now(), user)
            _db.session.commit()
        response = client.post("/auth/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        if response.headers["Location"].startswith("/auth/2fa"):
            response = client.post("/auth/2fa", data={"code": pyotp.TOTP(user.totp_secret).now()})
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do_login


# A small organisation shared by many tests; modules override these where they need something else.
@pytest.fixture
def team(app):
    t = Team(name="Service Desk", tier=1)
    _db.session.add(t)
    _db.session.commit()
    return t


@pytest.fixture
def service(team):
    s = Service(name="E-mail", criticality=Criticality.medium, default_team=team)
    _db.session.add(s)
    _db.session.commit()
    return s


@pytest.fixture
def category(app):
    c = Category(name="Hardware")
    _db.session.add(c)
    _db.session.commit()
    return c
