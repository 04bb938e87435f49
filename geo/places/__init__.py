"""Places: the privacy rule, schedules, and spatial queries and resident search."""
