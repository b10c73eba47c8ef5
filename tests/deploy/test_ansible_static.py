"""The Ansible content without a target: ansible-lint (production profile), the syntax check of every
playbook against both example inventories, and the rules the playbooks promise to keep (only
ansible.builtin and collections shipped with the `ansible` package; nothing downloaded on the target;
only configuration keys the app knows)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from . import deploylab as d

PLAYBOOKS = ["site.yml", "upgrade.yml", "backup.yml", "restore.yml"]
INVENTORIES = ["single", "multi"]
# modules that would fetch something from the network on the target
DOWNLOADING_MODULES = {"pip", "get_url", "uri_download", "git", "unarchive_remote_url", "apt_key", "apt_repository",
                       "deb822_repository", "yum_repository", "ansible_galaxy_install"}


def _yaml_files() -> list[Path]:
    return sorted(p for p in d.ANSIBLE_DIR.rglob("*.yml") if "inventories" not in p.parts)


def _tasks(node):
    """Every task mapping in a playbook or task file, blocks and handlers included."""
    if isinstance(node, list):
        for item in node:
            yield from _tasks(item)
    elif isinstance(node, dict):
        if any(k in node for k in ("block", "rescue", "always", "tasks", "handlers", "pre_tasks", "post_tasks")):
            for key in ("block", "rescue", "always", "tasks", "handlers", "pre_tasks", "post_tasks"):
                yield from _tasks(node.get(key) or [])
        elif "name" in node or any("." in str(k) for k in node):
            yield node


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_every_playbook_passes_the_syntax_check(inventory):
    result = d.run([str(d.BIN / "ansible-playbook"), "-i", f"inventories/{inventory}", "--syntax-check", *PLAYBOOKS],
                   cwd=d.ANSIBLE_DIR, env=d.tool_env(), check=False, timeout=300)
    assert result.returncode == 0, result.stdout
    assert result.stdout.count("playbook: ") == len(PLAYBOOKS), result.stdout


def test_ansible_lint_reports_nothing_on_the_production_profile():
    result = d.run([str(d.BIN / "ansible-lint"), "--nocolor", "--offline"], cwd=d.ANSIBLE_DIR,
                   env=d.tool_env(), check=False, timeout=600)
    assert result.returncode == 0, result.stdout[-6000:]
    assert "Profile 'production' was required, and it passed" in result.stdout, result.stdout[-3000:]


def test_tasks_use_only_builtin_modules_and_collections_shipped_with_ansible():
    shipped = d.BIN.parent / "lib"
    collections = {p.parent.name + "." + p.name for p in shipped.glob("python3*/site-packages/ansible_collections/*/*")}
    assert "community.postgresql" in collections, "the `ansible` package is not installed in this venv"
    used = {}
    for path in _yaml_files():
        for task in _tasks(yaml.safe_load(path.read_text()) or []):
            for key in task:
                if re.fullmatch(r"[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+", str(key)):
                    used.setdefault(key, path.relative_to(d.ANSIBLE_DIR).as_posix())
    assert used, "no task found: the walker is broken"
    for module, where in used.items():
        namespace, name, short = module.split(".")
        assert module.startswith("ansible.builtin.") or f"{namespace}.{name}" in collections, (module, where)
        assert short not in DOWNLOADING_MODULES, f"{module} in {where} would download on the target"


def test_inventory_config_keys_are_keys_of_the_example_configuration():
    example = (d.ROOT / "config/servicedesk.example.cfg").read_text()
    known = set(re.findall(r"(?m)^#? ?([A-Z][A-Z0-9_]*) =", example))
    assert {"DATABASE_URL", "SECRET_KEY", "DATA_DIR", "BASE_URL"} <= known
    for group_vars in (d.ANSIBLE_DIR / "inventories").glob("*/group_vars/all.yml"):
        config = (yaml.safe_load(group_vars.read_text()) or {}).get("servicedesk_config") or {}
        assert set(config) <= known, (group_vars, set(config) - known)


def test_every_shared_variable_is_documented_in_the_common_defaults():
    defaults_file = d.ANSIBLE_DIR / "roles/servicedesk_common/defaults/main.yml"
    defaults = yaml.safe_load(defaults_file.read_text())
    text = defaults_file.read_text()
    for name in defaults:
        # each default has a comment line right above it (or above its group of related settings)
        block = text.split(f"\n{name}:")[0].rsplit("\n\n", 1)[-1]
        assert "#" in block, f"{name} in {defaults_file.name} has no comment"
    for group_vars in (d.ANSIBLE_DIR / "inventories").glob("*/group_vars/all.yml"):
        for name in yaml.safe_load(group_vars.read_text()) or {}:
            assert name in defaults, f"{group_vars}: {name} is not a variable of the roles"
