"""ACTER observatory pipeline: ingest, clean, typology and reports of the ACTER survey."""

__version__ = "0.1.0"
