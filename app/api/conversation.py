"""Replies, internal notes and attachments of a ticket. Requesters never see anything internal."""

from __future__ import annotations

from flask import current_app, send_file
from flask_babel import gettext

from ..core.errors import NotFound
from ..extensions import db
from ..tickets import attachments as files
from ..tickets import operations as ops
from ..tickets.models import Channel
from ..tickets.queries import attachment_for, attachments_for, comments_for, ticket_for
from . import schemas as s
from .access import require_comment
from .auth import accepts, current_user, make_blueprint
from .errors import documents
from .tickets import TICKET

comments_blp = make_blueprint("api-comments", __name__, "Comments",
                              "Public replies, and internal notes that only staff ever see.")
attachments_blp = make_blueprint("api-attachments", __name__, "Attachments",
                                 "Files on tickets: size limit, allowed types, served as downloads.")


@comments_blp.route(TICKET + "/comments", methods=["GET"])
@comments_blp.response(200, s.CommentSchema(many=True))
@documents(comments_blp, 404)
def list_comments_view(ticket_id: int):
    """Replies and, for staff, internal notes, oldest first"""
    user = current_user()
    return comments_for(ticket_for(user, ticket_id), user)


@comments_blp.route(TICKET + "/comments", methods=["POST"])
@accepts("json")
@comments_blp.arguments(s.CommentCreateSchema)
@comments_blp.response(201, s.CommentSchema)
@documents(comments_blp, 403, 404, 409, 415)
def add_comment_view(args, ticket_id: int):
    """Post a public reply, or an internal note (internal: true, staff only)"""
    user = current_user()
    ticket = ticket_for(user, ticket_id)
    require_comment(user, ticket, args["internal"])
    comment = ops.add_comment(ticket, user, args["body"], internal=args["internal"], channel=Channel.api)
    db.session.commit()
    return comment


@attachments_blp.route(TICKET + "/attachments", methods=["GET"])
@attachments_blp.response(200, s.AttachmentSchema(many=True))
@documents(attachments_blp, 404)
def list_attachments_view(ticket_id: int):
    """Metadata of the ticket's files (requesters do not see internal ones)"""
    user = current_user()
    return attachments_for(ticket_for(user, ticket_id), user)


@attachments_blp.route(TICKET + "/attachments", methods=["POST"])
@accepts("multipart")
@attachments_blp.arguments(s.UploadFormSchema, location="form")
@attachments_blp.arguments(s.UploadFilesSchema, location="files")
@attachments_blp.response(201, s.AttachmentSchema)
@documents(attachments_blp, 403, 404, 413, 415)
def upload_attachment_view(form, files_, ticket_id: int):
    """Attach a file (multipart/form-data, field "file"); the size limit and allowed types apply"""
    user = current_user()
    ticket = ticket_for(user, ticket_id)
    require_comment(user, ticket, form["internal"])
    upload = files_["file"]
    attachment = ops.add_attachment(ticket, user, upload.filename or "", upload.stream, upload.mimetype,
                                    internal=form["internal"])
    db.session.commit()
    return attachment


@attachments_blp.route(TICKET + "/attachments/<id:attachment_id>", methods=["GET"])
@attachments_blp.response(200, description="The file, as a download",
                          content_type="application/octet-stream")
@documents(attachments_blp, 404)
def download_attachment(ticket_id: int, attachment_id: int):
    """Download one file"""
    user = current_user()
    ticket = ticket_for(user, ticket_id)
    attachment = attachment_for(ticket, user, attachment_id)
    path = files.path_for(current_app.config["DATA_DIR"], attachment.sha256)
    if not path.is_file():
        raise NotFound(gettext("The file of attachment %(id)s is missing.", id=attachment_id))
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename, max_age=0, etag=False)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
