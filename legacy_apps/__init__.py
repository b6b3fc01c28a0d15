"""Simulated legacy applications (ERP, bank portal, document portal) with seeded data and ground truth.

Stand-in for third-party software: it imports nothing from the product, and the product reaches it
only through a browser and HTTP.
"""
