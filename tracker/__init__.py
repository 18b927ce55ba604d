"""tt-progress: a progress tracker for the TinyTorch curriculum.

Importing the package is cheap: submodules that need NetworkX, matplotlib or
Alembic load only when one of their names is used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# Public name -> submodule that defines it, imported on first use.
_LAZY = {
    "open_database": "tracker.db",
    "Database": "tracker.db",
    "sync_catalog": "tracker.catalog",
    "read_catalog": "tracker.metadata",
    "learner_status": "tracker.progress",
    "recommend": "tracker.progress",
    "record_events": "tracker.progress",
    "TrackerError": "tracker.errors",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tracker' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
