"""Demo credentials of the simulated applications (the product reads its own from settings)."""

from __future__ import annotations

ERP_USER = "rpa.bot"
ERP_PASSWORD = "erp-demo-pass"

BANK_USER = "rpa.bot"
BANK_PASSWORD = "bank-demo-pass"
# RFC 6238 secret (base32) of the bank's second factor; pyotp.TOTP(BANK_TOTP_SECRET).now() gives the code.
BANK_TOTP_SECRET = "JBSWY3DPEHPK3PXPLEGACYBANK234567"

DOCS_USER = "rpa.bot"
DOCS_PASSWORD = "docs-demo-pass"
