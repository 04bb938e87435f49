"""Ingest: file readers (one per open-data format), plans and their application, the demo loader."""
