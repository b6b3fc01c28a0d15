"""The simulated document portal: client dossiers with PDF/Excel attachments and a status to set."""

from __future__ import annotations

from .app import create_docportal
from .generator import REFERENCE_DAY, generate_dossiers
from .truth import ground_truth, ground_truth_json

__all__ = ["REFERENCE_DAY", "create_docportal", "generate_dossiers", "ground_truth", "ground_truth_json"]
