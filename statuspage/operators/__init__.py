"""Operator accounts: how operators sign in (lockout after wrong passwords, optional TOTP) and
the audit log of what they change, in the admin and through the API."""
