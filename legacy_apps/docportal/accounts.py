"""The document portal's single account: the robot's login, as an administrator would have created it."""

from __future__ import annotations

USERNAME = "rpa.bot"
PASSWORD = "docs-demo-pass"  # demo-only credential of a simulated application
DISPLAY_NAME = "Robot RPA (back office)"


def check_credentials(username: str, password: str) -> bool:
    """True when the pair matches the portal's account."""
    return username == USERNAME and password == PASSWORD
