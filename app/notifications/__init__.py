"""The outbox: side effects (mail, webhooks, later SMS and voice) written in the same transaction as the
change that causes them, and delivered after commit by a job, with retries, backoff and an idempotency key."""
