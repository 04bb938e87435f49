"""Analysis: coverage per area and layer, and meeting-mode area profiles and then-and-now."""
