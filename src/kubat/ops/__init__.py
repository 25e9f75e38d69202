"""Operations: the periodic-job worker, health and readiness, metrics, structured logs, backups
and the read-replica router.

This app sits at the top layer: it calls other apps' services, selectors and management
commands, and nothing imports it (settings and urls refer to it by name). Its invariants:

- a periodic job runs under a lease row in the database (`JobState`), so two workers on two
  machines never run the same job at once, and a worker killed mid-run loses its lease when it
  expires instead of holding the job for ever;
- every run is recorded (`JobRun`): start, duration, outcome and error;
- a backup carries a manifest (schema, row counts, digests, checksum) that the restore checks
  before and after it writes anything.
"""
