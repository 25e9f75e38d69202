"""Accounts: organisations, roles (Django groups) and API tokens for machine clients.

Roles are groups named in `roles.Role`; a user acts for at most one organisation (an operator,
importer, agency...). API tokens are random, shown once, and stored only as SHA-256 digests.
Other apps ask `accounts.services` whether a user holds a role or belongs to an organisation.
"""
