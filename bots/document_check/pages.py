"""Page objects of the document portal; the only place for its selectors.

Selectors lean on what a vendor's restyling leaves alone — form field names, ``data-*`` attributes,
link relations — rather than element ids and labels, which the portal renames between versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

from playwright.sync_api import Page

from rpa.audit.evidence import EvidenceStore
from rpa.browser.downloads import DownloadedFile, fetch
from rpa.browser.errors import SessionExpiredError
from rpa.browser.login import FormLogin, LoginFlow
from rpa.browser.page_object import PageObject, posts, reads
from rpa.browser.preflight import Screen
from rpa.errors import BusinessRuleError, LegacyUiError
from rpa.settings import LegacyAppSettings

_HISTORY_ROWS = "table:has(th:text-is('Utilisateur')) tbody tr"
_LIST_STATUS = {"à traiter": "pending", "complet": "complete", "incomplet": "incomplete"}


# Field names, not ids: the restyled portal renames ids and labels but keeps the form's field names.
DocsLogin = FormLogin(
    "docs login",
    "#login-form input[name=username]",
    "#login-form input[name=password]",
    "#login-form button[type=submit]",
)


@dataclass(frozen=True, slots=True)
class ListedDossier:
    dossier_id: str
    client: str
    submitted: str  # as shown (dd/mm/yyyy): earlier dossiers hold the originals of duplicates
    status: str  # pending, complete, incomplete, or the label as shown when unknown


@dataclass(frozen=True, slots=True)
class ListedAttachment:
    filename: str
    declared_kind: str | None
    url: str


@dataclass(frozen=True, slots=True)
class PortalStatus:
    """A dossier's status as the portal shows it now, with the newest history entry."""

    status: str
    reason: str | None
    updated_by: str
    comment: str
    history_entries: int


class DocPortal(PageObject):
    """Dossier list, dossier page with its attachments, and the status form."""

    SENSITIVE = DocsLogin.SENSITIVE
    SCREENS: ClassVar[tuple[Screen, ...]] = (
        Screen("docs dossier list", "/dossiers", {"rows": "tr[data-dossier-id]", "pager": "#pager"}),
    )

    def __init__(self, page: Page, app: LegacyAppSettings) -> None:
        super().__init__(page, LoginFlow(DocsLogin, app))
        self.base_url = app.url.rstrip("/")

    def _dossier_url(self, dossier_id: str) -> str:
        return f"{self.base_url}/dossiers/{quote(dossier_id, safe='')}"

    @reads("list dossiers", "tr[data-dossier-id]")
    def dossiers(self, limit: int) -> list[ListedDossier]:
        """Every dossier of the list, page after page (at most ``limit``)."""
        found: list[ListedDossier] = []
        self.goto(f"{self.base_url}/dossiers?page=1")
        for _ in range(10_000):  # a bound, not a limit one meets: the pager's "next" link ends the loop
            self.page.locator("#pager").wait_for()
            rows = self.page.locator("tr[data-dossier-id]")
            for n in range(rows.count()):
                row = rows.nth(n)
                cells = [c.strip() for c in row.locator("td").all_inner_texts()]
                label = cells[-1] if cells else ""
                dossier_id = row.get_attribute("data-dossier-id") or ""
                found.append(
                    ListedDossier(
                        dossier_id,
                        cells[1] if len(cells) > 1 else "",
                        cells[3] if len(cells) > 3 else "",
                        _LIST_STATUS.get(label.casefold(), label),
                    )
                )
                if len(found) >= limit:
                    return found
            following = self.page.locator("#pager a[rel=next]")
            if following.count() == 0:
                return found
            self.goto(
                self.base_url
                + (following.first.get_attribute("href") or "").removeprefix(self._path_prefix())
            )
        raise LegacyUiError("the dossier list never ended (10,000 pages)", code="LEGACY_UI_UNEXPECTED_TEXT")

    def _path_prefix(self) -> str:
        """The path of the base URL (``/docs``): the pager's links are absolute paths that include it."""
        after_host = self.base_url.split("://", 1)[-1]
        return after_host[after_host.find("/") :] if "/" in after_host else ""

    @reads("open dossier {dossier_id}", "tr[data-kind]")
    def attachments(self, dossier_id: str) -> list[ListedAttachment]:
        """The attachments listed on the dossier page, with the kind the depositor declared."""
        self.goto(self._dossier_url(dossier_id))
        self.page.locator("[data-status]").first.wait_for()
        rows = self.page.locator("tr[data-kind]")
        listed = []
        for n in range(rows.count()):
            row = rows.nth(n)
            link = row.locator("a[download], a[href*='/attachments/']").first
            href = link.get_attribute("href") or ""
            listed.append(
                ListedAttachment(
                    filename=link.inner_text().strip(),
                    declared_kind=row.get_attribute("data-kind") or None,
                    url=self.base_url + href.removeprefix(self._path_prefix()),
                )
            )
        return listed

    @reads("download the attachments of {dossier_id}")
    def download(
        self, dossier_id: str, attachments: list[ListedAttachment], workdir: Path, evidence: EvidenceStore
    ) -> list[DownloadedFile]:
        """Each attachment into ``workdir`` (kept as evidence), with the session of the page."""
        files = []
        for attachment in attachments:
            try:
                files.append(
                    fetch(
                        self.page,
                        attachment.url,
                        workdir,
                        evidence,
                        name=attachment.filename,
                        follow_redirects=False,
                    )
                )
            except SessionExpiredError:
                self.goto(
                    self._dossier_url(dossier_id)
                )  # shows the login form: logged in again, then retried
                raise
        return files

    @reads("read the status of {dossier_id}", "[data-status]")
    def status(self, dossier_id: str) -> PortalStatus:
        """The dossier's current status and the newest entry of its history (the page stays open)."""
        self.goto(self._dossier_url(dossier_id))
        status = self.page.locator("[data-status]").first.get_attribute("data-status") or ""
        history = self.page.locator(_HISTORY_ROWS)
        rows = history.count()
        last = [c.strip() for c in history.nth(rows - 1).locator("td").all_inner_texts()] if rows else []
        return PortalStatus(
            status=status,
            reason=_reason_of(last, self.page),
            updated_by=last[1] if len(last) > 1 else "",
            comment=last[4] if len(last) > 4 else "",
            history_entries=rows,
        )

    @posts("set the status of {dossier_id}", "select[name=status]")
    def set_status(self, dossier_id: str, status: str, reason: str | None, comment: str) -> None:
        """Fill and submit the status form of the dossier page currently open."""
        form = self.page.locator("form:has(select[name=status])")
        form.locator("select[name=status]").select_option(status)
        form.locator("select[name=reason]").select_option(reason or "")
        form.locator("textarea[name=comment]").fill(comment)
        form.locator("button[type=submit]").click()
        outcome = self.page.locator("#saved-notice, [role=alert]").first
        outcome.wait_for()
        errors = self.page.locator("[role=alert] li").all_inner_texts()
        if errors:
            raise BusinessRuleError(
                f"the portal refused the status of {dossier_id}: {' / '.join(errors)}",
                code="PORTAL_VALIDATION_REFUSED",
                item_key=dossier_id,
            )


def _reason_of(last_entry: list[str], page: Page) -> str | None:
    """The reason key of the current status: the status cell says the label, the form's select maps it."""
    if len(last_entry) < 4 or not last_entry[3]:
        return None
    options = page.locator("select[name=reason] option")
    for n in range(options.count()):
        option = options.nth(n)
        if option.inner_text().strip() == last_entry[3]:
            return option.get_attribute("value") or None
    return last_entry[3]
