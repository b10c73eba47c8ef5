"""Operations of the installation itself: health and readiness probes, Prometheus metrics, backup and
restore. Read-only towards the other domains (it counts their rows); it changes nothing but the
database and attachment directory it restores."""
