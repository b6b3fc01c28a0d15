"""Bank reconciliation: match incoming bank lines with open invoices and post what is certain.

The bot itself is ``bots.invoice_matching.bot:BOT``; importing this package loads nothing else.
"""
