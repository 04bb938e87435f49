"""Accounts: users, roles, municipality scope, password hashing, the login throttle. No Flask here."""
