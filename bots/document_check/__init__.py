"""document_check: every supporting document of a client dossier read, checked and explained."""
