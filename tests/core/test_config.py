"""Deploy-time configuration: defaults < SERVICEDESK_CONFIG file < SERVICEDESK_* environment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.core.config import DEFAULTS, REQUIRED, load_config, read_config_file
from app.core.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "servicedesk.example.cfg"
BASE = {
    "SERVICEDESK_DATABASE_URL": "sqlite:////tmp/servicedesk-config-test.db",
    "SERVICEDESK_DATA_DIR": "/tmp/servicedesk-config-test",
    "SERVICEDESK_SECRET_KEY": "0123456789abcdef-secret",
}


def test_missing_required_keys_are_all_named():
    with pytest.raises(ConfigError) as info:
        load_config(environ={})
    for key in ("SERVICEDESK_DATABASE_URL", "SERVICEDESK_DATA_DIR", "SERVICEDESK_SECRET_KEY"):
        assert key in str(info.value)


def test_only_the_keys_that_are_missing_are_named():
    with pytest.raises(ConfigError) as info:
        load_config(environ={"SERVICEDESK_DATABASE_URL": "sqlite://", "SERVICEDESK_SECRET_KEY": "x" * 20})
    message = str(info.value)
    assert "SERVICEDESK_DATA_DIR" in message
    assert "SERVICEDESK_DATABASE_URL" not in message and "SERVICEDESK_SECRET_KEY" not in message


def test_an_empty_required_value_counts_as_missing():
    with pytest.raises(ConfigError, match="SERVICEDESK_SECRET_KEY"):
        load_config(environ={**BASE, "SERVICEDESK_SECRET_KEY": ""})


def test_a_short_secret_key_is_refused():
    with pytest.raises(ConfigError, match="at least 16"):
        load_config(environ={**BASE, "SERVICEDESK_SECRET_KEY": "short"})


def test_defaults_fill_everything_not_set():
    config = load_config(environ=BASE)
    assert config["DATABASE_URL"] == BASE["SERVICEDESK_DATABASE_URL"]
    for key, default in DEFAULTS.items():
        if key not in REQUIRED:
            assert config[key] == default, key


def test_the_file_sets_keys_and_the_environment_overrides_it(tmp_path):
    cfg = tmp_path / "servicedesk.cfg"
    cfg.write_text(
        'DATABASE_URL = "sqlite:////srv/sd.db"\nDATA_DIR = "/srv/sd"\nSECRET_KEY = "from-the-file-0123456789"\n'
        'BASE_URL = "https://file.example"\nMAX_ATTACHMENT_BYTES = 1024\nLOG_LEVEL = "DEBUG"\n'
        "lowercase_is_ignored = 1\n"
    )
    config = load_config(environ={"SERVICEDESK_CONFIG": str(cfg), "SERVICEDESK_BASE_URL": "https://env.example",
                                  "SERVICEDESK_MAX_ATTACHMENT_BYTES": "2048"})
    assert config["BASE_URL"] == "https://env.example"
    assert config["MAX_ATTACHMENT_BYTES"] == 2048
    assert config["LOG_LEVEL"] == "DEBUG" and config["DATA_DIR"] == "/srv/sd"
    assert "lowercase_is_ignored" not in config


def test_a_missing_config_file_is_an_error_naming_it(tmp_path):
    with pytest.raises(ConfigError, match="nope.cfg"):
        load_config(environ={**BASE, "SERVICEDESK_CONFIG": str(tmp_path / "nope.cfg")})


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("ON", True), ("false", False),
                                               ("0", False), ("", False)])
def test_booleans_from_the_environment(raw, expected):
    assert load_config(environ={**BASE, "SERVICEDESK_SCHEDULER_ENABLED": raw})["SCHEDULER_ENABLED"] is expected


@pytest.mark.parametrize(("key", "raw", "expected"), [
    ("SCHEDULER_ENABLED", "maybe", "true or false"),
    ("MAX_ATTACHMENT_BYTES", "25MB", "integer"),
    ("AUTO_CLOSE_RESOLVED_AFTER_DAYS", "seven", "integer"),
])
def test_values_of_the_wrong_type_are_refused_with_the_key_named(key, raw, expected):
    with pytest.raises(ConfigError) as info:
        load_config(environ={**BASE, f"SERVICEDESK_{key}": raw})
    assert f"SERVICEDESK_{key}" in str(info.value) and expected in str(info.value)
    assert repr(raw) in str(info.value)


def test_integers_from_the_environment_are_integers():
    config = load_config(environ={**BASE, "SERVICEDESK_AUTO_CLOSE_RESOLVED_AFTER_DAYS": "3"})
    assert config["AUTO_CLOSE_RESOLVED_AFTER_DAYS"] == 3


def test_overrides_win_over_everything():
    config = load_config(environ={**BASE, "SERVICEDESK_LOG_LEVEL": "ERROR"}, override={"LOG_LEVEL": "WARNING"})
    assert config["LOG_LEVEL"] == "WARNING"


def _uncomment_settings(text: str) -> str:
    """The example file with every commented-out ``# KEY = value`` setting (and its continuation) active."""
    out, inside = [], False
    for line in text.splitlines():
        if re.match(r"^# [A-Z][A-Z0-9_]* = ", line):
            out.append(line[2:])
            inside = line.rstrip().endswith("(")
        elif inside and line.startswith("#"):
            out.append(line[2:])
            inside = line.strip() != "# )"
    return "\n".join(out) + "\n"


def test_example_file_is_valid_and_sets_nothing_by_itself():
    assert read_config_file(EXAMPLE) == {}


def test_example_file_documents_every_key_with_its_default(tmp_path):
    active = tmp_path / "all.cfg"
    active.write_text(_uncomment_settings(EXAMPLE.read_text()))
    documented = read_config_file(active)
    missing = sorted(set(DEFAULTS) - set(documented))
    assert not missing, f"add these keys to config/servicedesk.example.cfg: {missing}"
    assert not sorted(set(documented) - set(DEFAULTS)), "the example documents keys the code does not know"
    for key, default in DEFAULTS.items():
        if key in REQUIRED:
            assert documented[key], f"{key}: show an example value"
        else:
            assert documented[key] == default, f"{key}: the example shows {documented[key]!r}, not {default!r}"
    # and with all of them set, the service would start
    assert load_config(environ={"SERVICEDESK_CONFIG": str(active)})["DATABASE_URL"].startswith("sqlite")
