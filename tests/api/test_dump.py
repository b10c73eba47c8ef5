"""The compiled response serializer gives exactly marshmallow's output, field type by field type and for
every response of the API."""

from __future__ import annotations

import enum
import io
from datetime import UTC, datetime
from types import SimpleNamespace

import marshmallow as ma
import pytest
from marshmallow import fields, post_dump
from marshmallow.utils import get_value

from app.api.dump import OutSchema
from app.extensions import db
from app.sla.operations import ensure_default_policies
from app.tickets import operations as ops
from app.tickets.models import Level, Status


class Color(enum.Enum):
    red = "r"


class Inner(OutSchema):
    id = fields.Integer()
    name = fields.String()


class Found(fields.List):
    """A field that finds its own value."""

    def get_value(self, obj, attr, accessor=None, default=ma.missing):
        return [get_value(obj, "number")] * 2


class Everything(OutSchema):
    number = fields.Integer()
    number_text = fields.Integer(as_string=True)
    text = fields.String()
    flag = fields.Boolean()
    when = fields.DateTime()
    when_fmt = fields.DateTime(format="%Y")
    color = fields.Enum(Color, by_value=True)
    color_name = fields.Enum(Color)
    inner = fields.Nested(Inner, allow_none=True)
    inners = fields.Nested(Inner, many=True)
    only_name = fields.Nested(Inner(only=("name",)))
    plucked = fields.Pluck(Inner, "name", many=True)
    renamed = fields.String(data_key="other", attribute="text", dump_only=True)
    dotted = fields.String(attribute="inner.name")
    defaulted = fields.String(dump_default="dflt")
    func = fields.Function(lambda o: f"f:{get_value(o, 'number')}")
    method = fields.Method("double")
    raw = fields.Raw()
    listing = fields.List(fields.Integer())
    mapping = fields.Dict(keys=fields.String(), values=fields.Nested(Inner))
    plain_dict = fields.Dict()
    found = Found(fields.Integer())

    def double(self, obj):
        return get_value(obj, "number") * 2


def _both(schema: ma.Schema, obj, many=None):
    fast = schema.dump(obj, many=many)
    OutSchema.compiled = False
    try:
        slow = schema.dump(obj, many=many)
    finally:
        OutSchema.compiled = True
    return fast, slow


FULL = dict(number=3, number_text=4, text="héllo <b>", flag=True, when=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
            when_fmt=datetime(2026, 1, 2), color=Color.red, color_name=Color.red,
            inner=SimpleNamespace(id=1, name="a"), inners=[SimpleNamespace(id=2, name="b")],
            only_name=SimpleNamespace(id=9, name="c"), plucked=[SimpleNamespace(id=1, name="x")],
            defaulted="set", raw={"k": [1]}, listing=[1, 2], mapping={"x": SimpleNamespace(id=4, name="d")},
            plain_dict={"a": 1})


@pytest.mark.parametrize("obj", [
    SimpleNamespace(**FULL),
    FULL | {"inner": {"id": 5, "name": "from a dict"}},  # dicts are read by key
    SimpleNamespace(**{k: None for k in FULL} | {"number": 1, "inners": [], "plucked": [], "listing": [],
                                                    "mapping": {}}),
    SimpleNamespace(number=2),  # missing attributes are left out, dump_default fills in
    SimpleNamespace(**FULL | {"text": 12, "flag": "yes", "number": "7"}),  # coerced the marshmallow way
], ids=["objects", "dict", "nones", "missing", "coerced"])
def test_every_field_type_serializes_as_marshmallow_does(obj):
    fast, slow = _both(Everything(), obj)
    assert fast == slow
    assert fast["number"] == int(get_value(obj, "number"))


def test_many_only_exclude_and_hooks_agree_with_marshmallow():
    objs = [SimpleNamespace(**FULL), SimpleNamespace(**FULL | {"number": 8})]
    fast, slow = _both(Everything(many=True), objs)
    assert fast == slow and [o["number"] for o in fast] == [3, 8]
    fast, slow = _both(Everything(only=("number", "inner")), objs[0])
    assert fast == slow == {"number": 3, "inner": {"id": 1, "name": "a"}}
    fast, slow = _both(Everything(exclude=("func",)), objs[0], many=False)
    assert fast == slow and "func" not in fast

    class Hooked(Inner):
        @post_dump
        def shout(self, data, **_):
            return data | {"name": data["name"].upper()}

    assert Hooked().dump(SimpleNamespace(id=1, name="a")) == {"id": 1, "name": "A"}


def test_every_api_response_is_the_same_compiled_or_not(api, agent, requester, admin, team):
    ensure_default_policies("Europe/Berlin")
    ticket = ops.create_ticket(agent, subject="Printer <script>", description="jams", requester=requester,
                               impact=Level.high, urgency=Level.high, team=team, tags=["paper", "floor-2"])
    ops.create_ticket(requester, subject="Second", description="no team")
    ops.add_comment(ticket, agent, "On it", internal=False)
    ops.add_comment(ticket, agent, "Internal thought", internal=True)
    ops.transition_ticket(ticket, Status.in_progress, agent)
    db.session.commit()
    api.post(f"/tickets/{ticket.id}/attachments", agent, data={"file": (io.BytesIO(b"log"), "log.txt")},
             content_type="multipart/form-data")
    calls = [(agent, "/tickets"), (agent, "/tickets?limit=1"), (agent, f"/tickets/{ticket.id}"),
             (requester, "/tickets"), (requester, f"/tickets/{ticket.id}"),
             (agent, f"/tickets/{ticket.id}/comments"), (requester, f"/tickets/{ticket.id}/comments"),
             (agent, f"/tickets/{ticket.id}/history"), (agent, f"/tickets/{ticket.id}/attachments"),
             (agent, "/me"), (admin, "/sla/calendars"), (admin, "/sla/policies")]
    for user, path in calls:
        fast = api.get(path, user)
        OutSchema.compiled = False
        try:
            slow = api.get(path, user)
        finally:
            OutSchema.compiled = True
        assert fast.status_code == slow.status_code == 200, (path, fast.get_json())
        assert fast.get_json() == slow.get_json(), path
        assert fast.get_json(), path
