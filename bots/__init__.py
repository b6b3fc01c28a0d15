"""The bots of this repository, listed explicitly: bot id -> ``package.module:BOT``.

References, not imports: importing ``bots`` (or a bot's pure module) loads no bot, so no browser.
The ``rpa`` command's wiring loads the one it runs; bots outside the repository are added with the
``extra_bots`` setting in the same ``package.module:BOT`` form.
"""

from __future__ import annotations

ALL_BOTS: dict[str, str] = {
    "invoice_matching": "bots.invoice_matching.bot:BOT",
    "document_check": "bots.document_check.bot:BOT",
    "client_reminders": "bots.client_reminders.bot:BOT",
}
