"""The periodic jobs and their intervals.

Defaults (seconds), each overridable with `KUBAT_WORKER_EVERY="name=seconds,..."` (0 turns a
job off, for those who keep it in cron):

| job           | command                 | every | why that often                          |
|---------------|-------------------------|-------|-----------------------------------------|
| quotas-settle | `kubat quotas settle`   | 60    | a window left open by a departed client |
| permits-tick  | `kubat permits tick`    | 3600  | deadlines are in days; an hour is prompt |
| ocpi-pull     | `kubat ocpi pull --all` | 900   | mirrors peers, keeps partitions ahead   |
| quotas-lapse  | `kubat quotas lapse`    | 86400 | validity is counted in days             |
| ocpi-maintain | `kubat ocpi maintain`   | 86400 | partitions are made a year ahead        |
| open-data-snapshot | `kubat open-data-snapshot` | 86400 | one dated snapshot a day |
| status-rollup | `kubat status-rollup`   | 60    | figures lag ingest by a minute (--settle) |
| ocpi-renew    | `kubat ocpi renew --due`| 86400 | tokens renewed within a month (28 days) |

`KUBAT_WORKER_EXTRA_JOBS` adds jobs as JSON:
`{"clearsessions": {"command": ["clearsessions"], "every": 86400}}`, or `{"call":
"package.module:function"}` for a Python callable taking no arguments.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext

from kubat.core.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Job:
    """A periodic job: a management command (argv) or a dotted callable, run every `every` s."""

    name: str
    every: int
    command: tuple[str, ...] = ()
    call: str = ""

    def target(self) -> Callable[[], object]:
        """The callable to run (imported late, so a bad extra job fails its run, not start-up)."""
        module, _, attr = self.call.partition(":")
        return getattr(importlib.import_module(module), attr)


DEFAULTS: tuple[Job, ...] = (
    Job("quotas-settle", 60, ("quotas", "settle")),
    Job("permits-tick", 3600, ("permits", "tick")),
    Job("ocpi-pull", 900, ("ocpi", "pull", "--all")),
    Job("quotas-lapse", 86400, ("quotas", "lapse")),
    Job("ocpi-maintain", 86400, ("ocpi", "maintain")),
    Job("strategy-overdue", 86400, ("strategy", "notify-overdue")),
    Job("open-data-snapshot", 86400, ("open_data_snapshot",)),
    Job("status-rollup", 60, ("status_rollup", "--settle")),
    Job("ocpi-renew", 86400, ("ocpi", "renew", "--due")),
)


def _every_overrides(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or not value.strip().isdigit():
            raise InvalidInput(
                gettext("%(item)r is not name=seconds") % {"item": item}, field="KUBAT_WORKER_EVERY"
            )
        out[name.strip()] = int(value)
    return out


def _extra_jobs(text: str) -> list[Job]:
    if not text.strip():
        return []
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            gettext("not JSON: %(error)s") % {"error": exc}, field="KUBAT_WORKER_EXTRA_JOBS"
        ) from None
    if not isinstance(spec, dict):
        raise InvalidInput(
            gettext("must be a JSON object of jobs"), field="KUBAT_WORKER_EXTRA_JOBS"
        )
    jobs = []
    for name, item in spec.items():
        where = f"KUBAT_WORKER_EXTRA_JOBS.{name}"
        if not isinstance(item, dict) or not isinstance(item.get("every"), int):
            raise InvalidInput(gettext("needs an integer 'every' (seconds)"), field=where)
        command, call = item.get("command", []), item.get("call", "")
        if bool(command) == bool(call) or not isinstance(command, list):
            raise InvalidInput(
                gettext("needs exactly one of 'command' (a list) or 'call'"), field=where
            )
        if call and ":" not in call:
            raise InvalidInput(gettext("'call' is package.module:function"), field=where)
        jobs.append(Job(name, item["every"], tuple(str(a) for a in command), str(call)))
    return jobs


def configured_jobs() -> list[Job]:
    """Every enabled job with its interval, from the defaults and the settings.

    Raises InvalidInput naming the setting when one is malformed or names an unknown job.
    """
    jobs = [*DEFAULTS, *_extra_jobs(settings.KUBAT_WORKER_EXTRA_JOBS)]
    known = {job.name for job in jobs}
    overrides = _every_overrides(settings.KUBAT_WORKER_EVERY)
    if unknown := sorted(set(overrides) - known):
        raise InvalidInput(
            gettext("unknown job %(unknown)s; jobs are %(known)s")
            % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(known))},
            field="KUBAT_WORKER_EVERY",
        )
    out = []
    for job in jobs:
        every = overrides.get(job.name, job.every)
        if every > 0:
            out.append(Job(job.name, every, job.command, job.call))
    return out
