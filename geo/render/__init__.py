"""Render: print and offline exports (PDF, PNG, standalone HTML, handout CSV)."""
