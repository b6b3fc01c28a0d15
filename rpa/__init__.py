"""backoffice-rpa: the kit every bot stands on."""

__version__ = "0.1.0"
