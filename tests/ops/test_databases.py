"""How pg_dump and pg_restore are called: the password never on the command line, tools found where
Debian puts them or where the configuration says."""

from __future__ import annotations

import stat

import pytest

from app.ops.databases import BackupFailed, pg_binary, pg_connection_args, shown


def test_the_password_goes_into_the_environment_only():
    url = "postgresql+psycopg://servicedesk:s3cr%40t@db.example.internal:5433/servicedesk?sslmode=verify-full"
    args, env = pg_connection_args(url)
    assert args == ["--host", "db.example.internal", "--port", "5433", "--username", "servicedesk",
                    "--dbname", "servicedesk"]
    assert not any("s3cr" in arg for arg in args)
    assert env["PGPASSWORD"] == "s3cr@t" and env["PGSSLMODE"] == "verify-full"
    assert "s3cr" not in shown(url)


def test_no_password_in_the_url_means_none_inherited_either(monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "from-somewhere-else")
    args, env = pg_connection_args("postgresql+psycopg://postgres@127.0.0.1/db")
    assert "PGPASSWORD" not in env
    assert args == ["--host", "127.0.0.1", "--username", "postgres", "--dbname", "db"]


def test_a_unix_socket_host_from_the_query_is_used():
    args, _ = pg_connection_args("postgresql+psycopg://servicedesk@/servicedesk?host=/run/postgresql")
    assert args[:2] == ["--host", "/run/postgresql"]


def test_tools_come_from_the_configured_directory_first(tmp_path):
    tool = tmp_path / "pg_dump"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    assert pg_binary("pg_dump", str(tmp_path)) == str(tool)


def test_a_missing_tool_names_where_it_was_looked_for(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("app.ops.databases.DEBIAN_PG_BIN", tmp_path / "nowhere")
    with pytest.raises(BackupFailed, match="pg_nothing not found"):
        pg_binary("pg_nothing")
