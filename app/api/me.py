"""Who the token belongs to."""

from __future__ import annotations

from . import schemas as s
from .auth import current_user, make_blueprint
from .errors import documents

blp = make_blueprint("api-me", __name__, "Me", "The person and the token behind the request.")


@blp.route("/me", methods=["GET"])
@blp.response(200, s.MeSchema)
@documents(blp)
def me_view():
    """The caller: name, role, teams and the token's scopes"""
    return current_user()
