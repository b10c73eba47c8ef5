"""The outbox against a real SMTP server and a real HTTP receiver."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine

from app.core.clock import utcnow
from app.extensions import db
from app.notifications import jobs
from app.notifications.models import Delivery, DeliveryStatus
from app.notifications.operations import enqueue_email, enqueue_webhook, retry_delivery

from ..servers import free_port, http_receiver, smtp_sink


@pytest.fixture
def smtp(app):
    with smtp_sink() as (port, received):
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
        yield received
    app.config.update(SMTP_HOST="", SMTP_PORT=25)


def test_email_is_sent_after_commit_exactly_once(smtp):
    enqueue_email("ann@example.org", "Hello", "Body text ü", key="test:1")
    enqueue_email("ann@example.org", "Hello again", "dup", key="test:1")  # same key: nothing new
    db.session.commit()
    assert jobs.deliver_due() == 1 and jobs.deliver_due() == 0
    assert len(smtp) == 1
    message = smtp[0]
    assert message["To"] == "ann@example.org" and message["Subject"] == "Hello"
    assert "Body text ü" in message.get_payload(decode=True).decode()
    assert message["Auto-Submitted"] == "auto-generated"
    delivery = db.session.query(Delivery).one()
    assert delivery.status is DeliveryStatus.sent and delivery.attempts == 1 and delivery.next_attempt_at is None


def test_nothing_is_sent_when_the_transaction_rolls_back(smtp):
    enqueue_email("ann@example.org", "Hello", "x", key="test:rollback")
    db.session.rollback()
    assert jobs.deliver_due() == 0 and smtp == []


def test_smtp_down_is_retried_with_backoff_then_given_up(app):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())  # nothing listens there
    try:
        enqueue_email("ann@example.org", "Hello", "x", key="test:down")
        db.session.commit()
        start = utcnow()
        with time_machine.travel(start, tick=False) as traveller:
            for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
                assert jobs.deliver_due() == 1
                delivery = db.session.query(Delivery).one()
                assert delivery.attempts == attempt and "ConnectionRefusedError" in delivery.last_error
                if attempt < jobs.MAX_ATTEMPTS:
                    wait = delivery.next_attempt_at - utcnow()
                    assert timedelta(seconds=20) < wait <= timedelta(seconds=3600 * 1.2)
                    assert jobs.deliver_due() == 0  # not due yet
                    traveller.shift(wait + timedelta(seconds=1))
        assert delivery.status is DeliveryStatus.dead and delivery.next_attempt_at is None
        retry_delivery(delivery)
        assert delivery.status is DeliveryStatus.pending and delivery.attempts == 0
    finally:
        app.config.update(SMTP_HOST="", SMTP_PORT=25)


def test_webhook_retries_server_errors_and_carries_the_idempotency_key(app):
    with http_receiver(statuses=[503]) as (url, received):
        enqueue_webhook(url + "/hook", {"event": "test", "ticket": 7}, key="hook:1")
        db.session.commit()
        with time_machine.travel(utcnow(), tick=False) as traveller:
            jobs.deliver_due()
            traveller.shift(timedelta(minutes=2))
            jobs.deliver_due()
    assert len(received) == 2
    assert received[1]["headers"]["Idempotency-Key"] == "hook:1"
    assert json.loads(received[1]["body"]) == {"event": "test", "ticket": 7}
    assert db.session.query(Delivery).one().status is DeliveryStatus.sent


def test_webhook_client_error_is_not_retried(app):
    with http_receiver(statuses=[404]) as (url, received):
        enqueue_webhook(url, {"x": 1}, key="hook:404")
        db.session.commit()
        jobs.deliver_due()
    delivery = db.session.query(Delivery).one()
    assert delivery.status is DeliveryStatus.dead and delivery.last_error == "HTTP 404" and len(received) == 1


def test_non_http_webhook_url_is_refused(app):
    enqueue_webhook("file:///etc/passwd", {"x": 1}, key="hook:file")
    db.session.commit()
    jobs.deliver_due()
    assert db.session.query(Delivery).one().status is DeliveryStatus.dead


def test_a_batch_writes_its_messages_when_it_ends_once_per_key(app):
    from app.notifications.operations import outbox_batch

    enqueue_email("ann@example.org", "Earlier", "x", key="batch:1")
    db.session.commit()
    with outbox_batch():
        enqueue_email("ann@example.org", "Again", "y", key="batch:1")  # already in the outbox: skipped
        enqueue_email("bob@example.org", "New", "z", key="batch:2")
        enqueue_email("bob@example.org", "New again", "z", key="batch:2")  # twice in the batch: the first
        enqueue_webhook("https://hooks.example.org/x", {"n": 1}, key="batch:3", ticket_id=None)
        assert db.session.query(Delivery).count() == 1  # nothing written before the block ends
    assert sorted((d.idempotency_key, d.subject, d.status) for d in db.session.query(Delivery)) == [
        ("batch:1", "Earlier", DeliveryStatus.pending), ("batch:2", "New", DeliveryStatus.pending),
        ("batch:3", "", DeliveryStatus.pending)]
    hook = db.session.query(Delivery).filter_by(idempotency_key="batch:3").one()
    assert json.loads(hook.body) == {"n": 1} and hook.attempts == 0 and hook.next_attempt_at is not None
    db.session.rollback()  # the batch is part of the caller's transaction
    assert [d.idempotency_key for d in db.session.query(Delivery)] == ["batch:1"]

    with pytest.raises(RuntimeError), outbox_batch():
        enqueue_email("cy@example.org", "Lost", "z", key="batch:4")
        raise RuntimeError("the unit of work failed")
    assert db.session.query(Delivery).filter_by(idempotency_key="batch:4").count() == 0
