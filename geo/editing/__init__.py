"""Editing places: validation with reason codes, changes recorded in the history, revert, resident
reports and their moderation, freshness (最終確認日), and the map as of a past date. No Flask here."""
