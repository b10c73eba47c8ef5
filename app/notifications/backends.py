"""Senders. Each raises DeliveryError with a short reason on failure; the job decides about retries."""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import make_msgid

from .models import Delivery, DeliveryChannel


class DeliveryError(Exception):
    def __init__(self, reason: str, permanent: bool = False):
        super().__init__(reason)
        self.reason, self.permanent = reason, permanent


def send_email(delivery: Delivery, config) -> None:
    if not config["SMTP_HOST"]:
        raise DeliveryError("SMTP_HOST is not configured")
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = delivery.recipient
    message["Subject"] = delivery.subject
    message["Message-ID"] = make_msgid(idstring=delivery.idempotency_key.replace(":", ".")[:60], domain="servicedesk")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(delivery.body)
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context(cafile=config["SMTP_CA_FILE"] or None))
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"recipient refused: {exc}"[:500], permanent=True) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}"[:500]) from None


def send_webhook(delivery: Delivery, config) -> None:
    if not delivery.recipient.startswith(("http://", "https://")):
        raise DeliveryError("webhook URL must be http or https", permanent=True)
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        delivery.recipient, data=delivery.body.encode(), method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": delivery.idempotency_key,
                 "User-Agent": "Servicedesk"})
    try:
        with urllib.request.urlopen(request, timeout=config["WEBHOOK_TIMEOUT"]) as response:  # noqa: S310 - checked
            response.read(1024)
    except urllib.error.HTTPError as exc:
        # 4xx other than 408/429 will not get better by retrying
        permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
        raise DeliveryError(f"HTTP {exc.code}", permanent=permanent) from None
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}"[:500]) from None


SENDERS = {DeliveryChannel.email: send_email, DeliveryChannel.webhook: send_webhook}


def payload(document: dict) -> str:
    return json.dumps(document, separators=(",", ":"), default=str)
