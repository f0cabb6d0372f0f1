"""A task for the queue's fault tests, run by real worker processes (importable from the project's root)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.conf import settings
from django.tasks import task


@task()
def long_task(seconds: float) -> None:
    """Writes when it starts and ends (in the worker's var folder), and runs `seconds` in between."""
    log = Path(settings.VAR_DIR) / "long_task.log"
    with log.open("a") as out:
        out.write(f"start {os.getpid()}\n")
    time.sleep(seconds)
    with log.open("a") as out:
        out.write(f"end {os.getpid()}\n")
