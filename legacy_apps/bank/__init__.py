"""The bank's customer portal: password then TOTP, account page, statement downloads."""

from legacy_apps.bank.app import create_bank

__all__ = ["create_bank"]
