"""The core aggregate: tickets, comments, attachments, their lifecycle and history."""
