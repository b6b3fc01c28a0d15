"""Payment reminders (dunning): decide per customer and invoice which reminder is due, one email per customer.

The decisions are the pure ``bots.client_reminders.policy``; importing this package loads nothing else.
"""
