"""REST API v1 (flask-smorest): the same operations and permission rules as the UI."""

from __future__ import annotations

from flask import Flask


def init_api(app: Flask) -> None:
    from ..extensions import api, csrf

    api.init_app(app)
