"""Python jobs for the worker tests, run through KUBAT_WORKER_EXTRA_JOBS `call`.

`slow` writes a line when it starts and when it ends (pid, Unix time) to KUBAT_TEST_JOB_LOG,
so the test can see every execution from outside the worker's own records.
"""

from __future__ import annotations

import os
import time


def _write(what: str) -> None:
    with open(os.environ["KUBAT_TEST_JOB_LOG"], "a") as out:
        out.write(f"{what} {os.getpid()} {time.time():.6f}\n")
        out.flush()
        os.fsync(out.fileno())


def slow() -> str:
    _write("start")
    time.sleep(float(os.environ.get("KUBAT_TEST_JOB_SECONDS", "2")))
    _write("end")
    return "slept"


def fail() -> None:
    raise RuntimeError("the test job failed on purpose")
