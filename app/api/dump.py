"""Response schemas that serialize fast: marshmallow's output, without its per-field cost on every object.

marshmallow walks every field of every object through several generic layers (accessor, missing and
default checks, `_serialize`, and for `fields.Function` an `inspect.signature` call per value): about
0.7 ms per ticket, most of the CPU of a 50-ticket list page. `OutSchema.dump` turns a schema into a
list of (key, getter, converter) once per schema instance and then runs that list. The schema stays the
single description of the output (flask-smorest documents it, tests compare both paths); fields this
module does not know are serialized by marshmallow itself, so a new field type is only slower, never
different.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import marshmallow as ma
from marshmallow import fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import get_func_args


def _get(obj, key: str):
    """marshmallow.utils.get_value for a plain key: item access first, then the attribute."""
    if hasattr(obj, "__getitem__"):
        try:
            return obj[key]
        except (KeyError, IndexError, TypeError, AttributeError):
            pass
    return getattr(obj, key, missing)


def _same(value):
    return value


def _none_or(convert: Callable) -> Callable:
    return lambda value: None if value is None else convert(value)


def _boolean(field: fields.Boolean) -> Callable:
    slow = field._serialize
    return lambda value: value if value is None or value is True or value is False else slow(value, None, None)


def _converter(field: fields.Field) -> Callable | None:
    """value -> output, as field._serialize(value) gives it, for the field types whose rules are simple;
    None for the others."""
    kind, serialize = type(field), type(field)._serialize
    if kind is fields.Integer and not field.as_string:
        return _none_or(int)
    if kind is fields.String:
        return lambda value: value if value is None or type(value) is str else field._serialize(value, None, None)
    if kind is fields.Boolean:
        return _boolean(field)
    if kind is fields.DateTime and field.format in (None, "iso"):
        return _none_or(lambda value: value.isoformat())
    if kind is fields.Enum and field.by_value is True:
        return _none_or(lambda value: value.value)
    if serialize is fields.Nested._serialize and not callable(field.nested):
        schema, many = field.schema, field.schema.many or field.many
        return _none_or(lambda value: schema.dump(value, many=many))
    if serialize is fields.List._serialize and (inner := _converter(field.inner)):
        return _none_or(lambda value: [inner(item) for item in value])
    if serialize is fields.Mapping._serialize and field.mapping_type is dict and field.value_field is not None:
        keys = _converter(field.key_field) if field.key_field is not None else _same
        values = _converter(field.value_field)
        if keys and values:
            return _none_or(lambda value: {keys(key): values(item) for key, item in value.items()})
    return None


def _plan_field(name: str, field: fields.Field, schema: ma.Schema) -> tuple[str, Callable]:
    """(output key, obj -> value or missing)."""
    key = field.data_key if field.data_key is not None else name
    kind = type(field)
    if kind is fields.Function and field.serialize_func is not None \
            and len(get_func_args(field.serialize_func)) == 1:
        return key, field.serialize_func
    if kind is fields.Method and field.serialize_method_name:
        method = getattr(schema, field.serialize_method_name)
        if len(get_func_args(method)) == 1:
            return key, method
    convert = _converter(field)
    attribute = field.attribute or name
    if convert is None or "." in attribute or field.dump_default is not missing:
        return key, lambda obj: field.serialize(name, obj, accessor=schema.get_attribute)
    if type(field).get_value is not fields.Field.get_value:  # a field that finds its own value
        def get(obj):
            value = field.get_value(obj, name, accessor=schema.get_attribute)
            return value if value is missing else convert(value)
        return key, get

    def get(obj):
        value = _get(obj, attribute)
        return value if value is missing else convert(value)
    return key, get


class OutSchema(ma.Schema):
    """Base of the API's response schemas: `dump` gives exactly marshmallow's result, compiled."""

    #: False serializes through marshmallow itself (the tests compare both)
    compiled: ClassVar[bool] = True
    _plan: list[tuple[str, Callable]] | None = None

    def _compiled(self) -> list[tuple[str, Callable]]:
        if self._plan is None:
            self._plan = [_plan_field(name, field, self) for name, field in self.dump_fields.items()]
        return self._plan

    def dump(self, obj: Any, *, many: bool | None = None):
        many = self.many if many is None else bool(many)
        if not self.compiled or self._hooks[PRE_DUMP] or self._hooks[POST_DUMP] or (many and obj is None) \
                or type(self).get_attribute is not ma.Schema.get_attribute:
            return super().dump(obj, many=many)
        plan = self._compiled()
        if many:
            return [self._one(item, plan) for item in obj]
        return self._one(obj, plan)

    def _one(self, obj, plan) -> dict:
        out = {}
        for key, get in plan:
            value = get(obj)
            if value is not missing:
                out[key] = value
        return out
