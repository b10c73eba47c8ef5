"""Rendering helpers for long choice lists (a few hundred staff in an assignee list)."""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup
from wtforms.widgets import Select

_OPEN, _OPEN_SELECTED = Markup('<option value="'), Markup('<option selected value="')
_LABEL, _CLOSE = Markup('">'), Markup("</option>")


def _option(value, label, selected: bool) -> Markup:
    """Markup + str escapes the str: value and label are escaped."""
    return (_OPEN_SELECTED if selected else _OPEN) + str(value) + _LABEL + str(label) + _CLOSE


def option_tags(choices: Iterable[tuple[object, str]], selected: str | None) -> Markup:
    """``<option>`` tags for (value, label) pairs, the one whose value is ``selected`` marked; one string
    join instead of a template loop (template global)."""
    chosen = "" if selected is None else str(selected)
    return Markup().join(_option(value, label, str(value) == chosen) for value, label in choices)


class QuickSelect(Select):
    """WTForms' select, with plain options rendered directly: the stock widget builds each option's
    attributes through html_params, 25 microseconds apiece, which a page of several staff lists notices."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        return _option(choice.value, choice.label or choice.value, choice.selected)
