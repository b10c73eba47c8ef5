"""The German catalog is complete and compiled, and pages follow the user's language."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

APP = Path(__file__).resolve().parents[2] / "app"
CATALOG = APP / "translations" / "de" / "LC_MESSAGES"


def test_every_message_has_a_german_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", str(APP / "babel.cfg"),
                    "-k", "_l", "-o", str(pot), str(APP)], check=True, cwd=APP.parent)
    template = read_po(pot.open("rb"))
    german = read_po((CATALOG / "messages.po").open("rb"), locale="de")
    missing = [m.id for m in template if m.id and (m.id not in german or not german[m.id].string)]
    fuzzy = [m.id for m in german if m.id and m.fuzzy]
    assert missing == [] and fuzzy == []


def test_compiled_catalog_is_up_to_date():
    po = read_po((CATALOG / "messages.po").open("rb"), locale="de")
    mo = read_mo((CATALOG / "messages.mo").open("rb"))
    def entries(catalog):  # plural entries hold lists
        return {tuple(m.id) if isinstance(m.id, list | tuple) else m.id:
                tuple(m.string) if isinstance(m.string, list | tuple) else m.string for m in catalog if m.id}

    assert entries(po) == entries(mo)


def test_login_page_in_german(client):
    page = client.get("/auth/login", headers={"Accept-Language": "de-DE,de;q=0.9"}).get_data(as_text=True)
    assert 'lang="de"' in page and "Anmelden" in page


def test_templates_follow_force_locale_and_refresh_within_one_request(app, monkeypatch):
    """Templates remember the request's catalog; switching the language inside the request still works."""
    from flask import render_template_string
    from flask_babel import force_locale, refresh

    text = "{{ _('Reply sent.') }} {{ ngettext('%(num)d ticket', '%(num)d tickets', 2) }}"
    monkeypatch.setitem(app.config, "DEFAULT_LANGUAGE", "de")
    with app.test_request_context():  # no Accept-Language: the installation's language
        assert render_template_string(text) == "Antwort gesendet. 2 Tickets"
        with force_locale("en"):
            assert render_template_string(text) == "Reply sent. 2 tickets"
        assert render_template_string(text) == "Antwort gesendet. 2 Tickets"
        app.config["DEFAULT_LANGUAGE"] = "en"
        assert render_template_string(text) == "Antwort gesendet. 2 Tickets"  # until refreshed
        refresh()
        assert render_template_string(text) == "Reply sent. 2 tickets"
