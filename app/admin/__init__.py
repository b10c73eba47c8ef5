"""Administration: users and teams, identity settings and group mappings, the audit log."""
