"""SLA: business calendars, policies, per-ticket clocks (a ledger), warnings, breaches.

The pure core lives in `business_hours` (calendar arithmetic) and `holidays_import` (iCal files and
country presets); neither touches the database, Flask or the clock.
"""
