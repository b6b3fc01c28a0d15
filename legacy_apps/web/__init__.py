"""Pieces the simulated applications share: HTML shell, sessions, element ids and labels."""
