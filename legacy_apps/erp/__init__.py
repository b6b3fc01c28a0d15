"""The old ERP: login, frames, invoice search, invoice page with a non-idempotent 'Record payment' form."""

from legacy_apps.erp.app import create_erp
from legacy_apps.erp.state import ErpState

__all__ = ["ErpState", "create_erp"]
