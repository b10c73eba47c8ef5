"""The release version, shown by --version, /readyz and the page footer."""

VERSION = "0.1.0"
