"""The duty-free EV import quota: periods, declarants, requests, allocation, certificates.

Invariants (each enforced by the database as well as by the services):
- a period never allocates more than its volume (`PeriodBalance` check constraint, and every
  allocation runs under a row lock on that balance row);
- a VIN holds at most one live certificate (issued or cleared) across all periods;
- the audit log is append-only (no update or delete through the app, the admin, or on
  PostgreSQL the database itself).

Callers: the /api/v1/quotas router, the broker and public pages, `kubat quotas ...` commands,
the demo loader and bench/quota_rush.py. Read docs/quotas.md for the allocation rule.
"""
