"""The service catalog and ticket categories."""
