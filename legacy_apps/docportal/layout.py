"""Element ids and labels of the portal's screens, in the usual layout and in the "changed" one.

The changed layout is what a vendor upgrade does to robots: same data, renamed fields and buttons.
Form field *names* stay the same, so the server reads both layouts alike.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layout:
    username_id: str = "username"
    username_label: str = "Identifiant"
    password_id: str = "password"
    password_label: str = "Mot de passe"
    login_button: str = "Se connecter"
    search_id: str = "search"
    search_label: str = "Rechercher un dossier"
    search_button: str = "Rechercher"
    dossiers_table_id: str = "dossiers"
    attachments_table_id: str = "attachments"
    history_table_id: str = "status-history"
    status_form_id: str = "status-form"
    status_id: str = "status"
    status_label: str = "Statut du dossier"
    reason_id: str = "reason"
    reason_label: str = "Motif"
    comment_id: str = "comment"
    comment_label: str = "Commentaire"
    save_button: str = "Enregistrer le statut"
    current_status_id: str = "current-status"


STANDARD = Layout()
CHANGED = Layout(
    username_id="login-id",
    username_label="Nom d'utilisateur",
    password_id="login-secret",
    password_label="Code d'accès",
    login_button="Connexion",
    search_id="filter",
    search_label="Filtrer les dossiers",
    search_button="Filtrer",
    dossiers_table_id="dossier-grid",
    attachments_table_id="pieces",
    history_table_id="history-grid",
    status_form_id="decision-form",
    status_id="dossier-state",
    status_label="État du dossier",
    reason_id="motive",
    reason_label="Raison de l'incomplétude",
    comment_id="remarks",
    comment_label="Observations",
    save_button="Valider",
    current_status_id="dossier-state-now",
)


def layout_for(faults_state: object | None) -> Layout:
    """The layout to serve now: read on every request so faults can be switched at runtime."""
    return CHANGED if getattr(faults_state, "changed_layout", False) else STANDARD
