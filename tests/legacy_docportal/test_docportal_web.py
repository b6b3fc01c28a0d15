"""The document portal as a robot meets it over HTTP: login, list, search, downloads, the status form
with its server-side validation, the JSON status feed, and the faults it honours."""

from __future__ import annotations

import html
import io
import re

import pdfplumber
from docportal_fixtures import Faults, Portal

from legacy_apps.docportal import generate_dossiers

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def labels(page: str) -> dict[str, str]:
    """Label text -> id of the element it names, checking that element exists."""
    found = {}
    for target, text in re.findall(r'<label for="([^"]+)">([^<]+)</label>', page):
        assert f'id="{target}"' in page, f"label {text!r} points at missing id {target!r}"
        found[html.unescape(text)] = target
    return found


def api_entry(portal: Portal, dossier_id: str) -> dict:
    with portal.client() as client:
        entries = client.get("/docs/api/dossiers").json()["dossiers"]
    return next(entry for entry in entries if entry["id"] == dossier_id)


def test_every_screen_but_the_feed_requires_login(portal: Portal) -> None:
    with portal.client() as client:
        for path in (
            "/docs/dossiers",
            "/docs/dossiers/DOS-2026-0001",
            "/docs/dossiers/DOS-2026-0001/attachments/rib.pdf",
        ):
            response = client.get(path)
            assert response.url.path == "/docs/login", path
            assert response.headers["content-type"].startswith("text/html")
            assert labels(response.text) == {"Identifiant": "username", "Mot de passe": "password"}
        assert client.get("/docs/api/dossiers").status_code == 200


def test_wrong_password_is_refused_then_login_returns_to_the_asked_page(portal: Portal) -> None:
    with portal.client() as client:
        refused = client.post("/docs/login", data={"username": "rpa.bot", "password": "nope"})
        assert refused.status_code == 401
        assert "Identifiant ou mot de passe incorrect" in refused.text
        assert client.get("/docs/dossiers").url.path == "/docs/login"
        form = {"username": "rpa.bot", "password": "docs-demo-pass", "next": "/dossiers/DOS-2026-0003"}
        landed = client.post("/docs/login", data=form)
        assert landed.url.path == "/docs/dossiers/DOS-2026-0003"
        assert "Dossier DOS-2026-0003" in landed.text
        client.get("/docs/logout")
        assert client.get("/docs/dossiers").url.path == "/docs/login"


def test_list_is_paginated_twenty_a_page_and_searchable(portal: Portal) -> None:
    dossiers = generate_dossiers(42)
    with portal.logged_in() as client:
        first = client.get("/docs/dossiers").text
        assert first.count("data-dossier-id=") == 20
        assert "Page 1 / 2" in first and "Page suivante" in first
        second = client.get("/docs/dossiers", params={"page": 2}).text
        assert second.count("data-dossier-id=") == 10
        assert "Page précédente" in second and "Page suivante" not in second
        target = dossiers[11]
        unaccented = "".join(
            {"É": "E", "é": "e", "è": "e", "â": "a", "ô": "o"}.get(c, c) for c in target.client.name
        )
        for query in (unaccented.lower(), target.client.siren, target.id):
            found = client.get("/docs/dossiers", params={"q": query}).text
            assert f'data-dossier-id="{target.id}"' in found, query
        assert "0 dossier(s) trouvé(s)" in client.get("/docs/dossiers", params={"q": "zzz-nothing"}).text


def test_attachments_download_with_type_name_and_exact_bytes(portal: Portal) -> None:
    dossier = generate_dossiers(42)[0]
    with portal.logged_in() as client:
        page = client.get(f"/docs/dossiers/{dossier.id}").text
        for attachment in dossier.attachments:
            link = f"/docs/dossiers/{dossier.id}/attachments/{attachment.filename}"
            assert f'href="{link}"' in page
            response = client.get(link)
            assert response.status_code == 200
            assert response.headers["content-type"] == (
                XLSX if attachment.filename.endswith(".xlsx") else "application/pdf"
            )
            assert response.headers["content-disposition"] == f'attachment; filename="{attachment.filename}"'
            assert response.content == attachment.data
        rib = client.get(f"/docs/dossiers/{dossier.id}/attachments/rib.pdf").content
        with pdfplumber.open(io.BytesIO(rib)) as pdf:
            assert dossier.client.bic in pdf.pages[0].extract_text()
        assert client.get(f"/docs/dossiers/{dossier.id}/attachments/absent.pdf").status_code == 404
        assert client.get("/docs/dossiers/DOS-1999-0001").status_code == 404


def test_status_form_validates_on_the_server_then_records_history(portal: Portal) -> None:
    dossier_id = "DOS-2026-0005"
    with portal.logged_in() as client:
        page = client.get(f"/docs/dossiers/{dossier_id}").text
        assert labels(page) == {"Statut du dossier": "status", "Motif": "reason", "Commentaire": "comment"}
        for form, message in (
            (
                {"status": "incomplete", "reason": "", "comment": "pièces à revoir"},
                "Un dossier incomplet exige un motif",
            ),
            ({"status": "", "reason": "", "comment": ""}, "Choisissez un statut"),
            (
                {"status": "complete", "reason": "other", "comment": "x"},
                "Un dossier complet ne prend pas de motif",
            ),
            ({"status": "incomplete", "reason": "other", "comment": "  "}, "exige un commentaire"),
            ({"status": "incomplete", "reason": "other", "comment": "x" * 501}, "dépasse 500 caractères"),
        ):
            refused = client.post(f"/docs/dossiers/{dossier_id}/status", data=form)
            assert refused.status_code == 422, form
            assert 'role="alert"' in refused.text and message in html.unescape(refused.text), form
        assert '<option value="incomplete" selected>' in refused.text  # the form keeps what was typed
        assert api_entry(portal, dossier_id)["status"] == "pending"

        form = {"status": "incomplete", "reason": "missing_document", "comment": "Kbis absent <b>"}
        saved = client.post(f"/docs/dossiers/{dossier_id}/status", data=form)
        assert saved.status_code == 200 and saved.url.path == f"/docs/dossiers/{dossier_id}"
        assert "Statut enregistré" in saved.text
        assert "Kbis absent &lt;b&gt;" in saved.text  # shown escaped, never as markup
        history = saved.text.split('id="status-history"')[1]
        assert history.count("<tr") == 3  # header, deposit, the new decision
        assert "rpa.bot" in history and "Pièce manquante" in history
        assert api_entry(portal, dossier_id) | {"updated_at": None} == {
            "id": dossier_id,
            "client": generate_dossiers(42)[4].client.name,
            "status": "incomplete",
            "reason": "missing_document",
            "comment": "Kbis absent <b>",
            "updated_at": None,
            "updated_by": "rpa.bot",
            "status_changes": 1,
        }
        assert api_entry(portal, dossier_id)["updated_at"] == "2026-11-20T09:30:00+00:00"
        client.post(
            f"/docs/dossiers/{dossier_id}/status", data={"status": "complete", "reason": "", "comment": ""}
        )
        assert api_entry(portal, dossier_id)["status"] == "complete"
        assert api_entry(portal, dossier_id)["reason"] is None
        assert api_entry(portal, dossier_id)["status_changes"] == 2
        listed = client.get("/docs/dossiers", params={"q": dossier_id}).text
        assert "Complet" in listed.split(f'data-dossier-id="{dossier_id}"')[1]


def test_feed_lists_every_dossier_pending_at_first(portal: Portal) -> None:
    with portal.client() as client:
        entries = client.get("/docs/api/dossiers").json()["dossiers"]
    assert [entry["id"] for entry in entries] == [d.id for d in generate_dossiers(42)]
    untouched = [entry for entry in entries if entry["id"] == "DOS-2026-0030"]
    assert untouched[0]["status"] == "pending" and untouched[0]["status_changes"] == 0


def test_changed_layout_renames_ids_and_labels_but_keeps_working(portal: Portal, faults: Faults) -> None:
    with portal.logged_in() as client:
        faults.changed_layout = True
        login_page = client.get("/docs/login").text
        assert labels(login_page) == {"Nom d'utilisateur": "login-id", "Code d'accès": "login-secret"}
        page = client.get("/docs/dossiers/DOS-2026-0007").text
        assert labels(page) == {
            "État du dossier": "dossier-state",
            "Raison de l'incomplétude": "motive",
            "Observations": "remarks",
        }
        assert 'id="status"' not in page and "Enregistrer le statut" not in page and ">Valider<" in page
        assert 'id="search"' not in client.get("/docs/dossiers").text
        saved = client.post(
            "/docs/dossiers/DOS-2026-0007/status", data={"status": "complete", "reason": "", "comment": ""}
        )
        assert "Statut enregistré" in saved.text
        faults.changed_layout = False
        assert labels(client.get("/docs/dossiers/DOS-2026-0007").text)["Statut du dossier"] == "status"


def test_session_expires_after_the_configured_requests_or_idle_time(portal: Portal, faults: Faults) -> None:
    with portal.logged_in() as client:  # the redirect after login already spent one request
        faults.session_expiry_after = 2
        assert client.get("/docs/dossiers").url.path == "/docs/dossiers"
        expired = client.get("/docs/dossiers")
        assert expired.url.path == "/docs/login"
        assert "Votre session a expiré" in expired.text
    faults.session_expiry_after = None
    with portal.logged_in() as client:
        portal.clock.advance(faults.session_idle_seconds + 1)
        assert "Votre session a expiré" in client.get("/docs/dossiers/DOS-2026-0002").text


def test_inconsistent_documents_is_a_reason_the_form_accepts(portal: Portal) -> None:
    dossier_id = "DOS-2026-0009"
    with portal.logged_in() as client:
        page = client.get(f"/docs/dossiers/{dossier_id}").text
        assert '<option value="inconsistent_documents">Pièces incohérentes</option>' in page
        form = {
            "status": "incomplete",
            "reason": "inconsistent_documents",
            "comment": "SIREN du vendeur ≠ Kbis",
        }
        saved = client.post(f"/docs/dossiers/{dossier_id}/status", data=form)
        assert "Statut enregistré" in saved.text and "Pièces incohérentes" in saved.text
    assert api_entry(portal, dossier_id)["reason"] == "inconsistent_documents"
