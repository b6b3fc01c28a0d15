"""JavaScript dialogs (``confirm()``, ``alert()``) answered on purpose, never by accident.

Without a handler Playwright dismisses every dialog, which silently cancels a "Post this payment?" confirm.
Here the dialog raised by one trigger is accepted only when its text is the one expected.
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Dialog, Page

from rpa.errors import LegacyUiError


def accept_dialog(page: Page, trigger: Callable[[], None], message_contains: str | None = None) -> str:
    """Run ``trigger``, accept the dialog it opens if its message contains ``message_contains``; return it.

    An unexpected message is dismissed (the action is cancelled) and raises LegacyUiError; no dialog at all
    also raises LegacyUiError, since the action then did not ask for the confirmation it should.
    """
    seen: list[str] = []

    def answer(dialog: Dialog) -> None:
        seen.append(dialog.message)
        if message_contains is None or message_contains in dialog.message:
            dialog.accept()
        else:
            dialog.dismiss()

    page.once("dialog", answer)
    try:
        trigger()
    finally:
        page.remove_listener("dialog", answer)
    if not seen:
        raise LegacyUiError(
            f"no confirmation dialog appeared on {page.url}; the action may not have been submitted",
            code="LEGACY_UI_DIALOG_MISSING",
            details={"url": page.url},
        )
    if message_contains is not None and message_contains not in seen[0]:
        raise LegacyUiError(
            f"unexpected dialog on {page.url}: {seen[0]!r} (expected one containing {message_contains!r}); "
            "it was dismissed, nothing was submitted",
            code="LEGACY_UI_DIALOG_UNEXPECTED",
            details={"url": page.url, "dialog": seen[0]},
        )
    return seen[0]
