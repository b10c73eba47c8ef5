"""Ids in URLs are bounded: a number no database id can be is a 404, never an overflow in the database."""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from app.core.db import MAX_ID
from app.users.models import Role

TOO_BIG = "99999999999999999999"


def test_every_integer_in_a_route_is_bounded_by_the_largest_id(app):
    unbounded = [(rule.rule, name) for rule in app.url_map.iter_rules()
                 for name, converter in rule._converters.items()
                 if isinstance(converter, IntegerConverter) and (converter.max is None or converter.max > MAX_ID)]
    assert unbounded == []


@pytest.mark.parametrize("path", [
    f"/tickets/{TOO_BIG}", f"/tickets/1/attachments/{TOO_BIG}", f"/portal/tickets/{TOO_BIG}",
    f"/admin/users/{TOO_BIG}", f"/admin/teams/{TOO_BIG}", f"/tickets/{MAX_ID + 1}", "/tickets/0",
])
def test_an_impossible_id_is_not_found(client, login, make_user, path):
    login(client, make_user(Role.admin))
    assert client.get(path).status_code == 404
