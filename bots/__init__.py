"""The bots, listed explicitly: no registry filled by import side effects."""

from __future__ import annotations

from bots.invoice_matching import BOT as INVOICE_MATCHING
from rpa.bot import Bot

ALL_BOTS: tuple[Bot, ...] = (INVOICE_MATCHING,)
