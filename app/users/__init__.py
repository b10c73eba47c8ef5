"""People, teams and roles."""
