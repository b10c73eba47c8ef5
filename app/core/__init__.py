"""Foundation without requests or HTML: configuration, database base, clock, signals, errors."""
