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
    "create_cohort": "tracker.membership",
    "add_members": "tracker.membership",
    "remove_members": "tracker.membership",
    "list_cohorts": "tracker.membership",
    "read_roster": "tracker.membership",
    "cohort_status": "tracker.cohort",
    "cohort_learners": "tracker.cohort",
    "stuck_learners": "tracker.cohort",
    "export_table": "tracker.exchange",
    "import_events": "tracker.imports",
    "import_tito": "tracker.imports",
    "cohort_heatmap_figure": "tracker.cohort_charts",
    "funnel_figure": "tracker.cohort_charts",
    "build_report": "tracker.report",
    "write_report": "tracker.report",
    "TinyTorchAnalyzer": "tracker.analysis",
    "load_curriculum": "tracker.analysis",
    "get_tinytorch_overview": "tracker.analysis",
    "get_module_info": "tracker.analysis",
    "get_learning_recommendations": "tracker.analysis",
    "visualize_tinytorch_system": "tracker.analysis",
    "create_dependency_graph_visualization": "tracker.analysis",
    "create_system_architecture_diagram": "tracker.analysis",
    "create_learning_roadmap": "tracker.analysis",
    "create_component_analysis": "tracker.analysis",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tracker' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
