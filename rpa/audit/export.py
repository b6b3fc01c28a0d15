"""Exported bundles (kept for the older import path): see :mod:`rpa.audit.bundle`."""

from __future__ import annotations

from rpa.audit.bundle import BundleError, verify_bundle, write_bundle

__all__ = ["BundleError", "verify_bundle", "write_bundle"]
