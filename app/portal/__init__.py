"""The requester portal."""
