"""The bots, listed explicitly: no registry filled by import side effects."""

from __future__ import annotations

from rpa.bot import Bot

ALL_BOTS: tuple[Bot, ...] = ()
