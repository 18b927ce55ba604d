"""Curriculum analysis: overview, learning path, levels, critical path and the
analyzer API, on the bundled catalog and on the upstream metadata."""

from __future__ import annotations

import doctest
import itertools
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from sqlalchemy import select

import tracker
from tracker import graph as graphs
from tracker.analysis import TinyTorchAnalyzer, load_curriculum
from tracker.catalog import sync_catalog
from tracker.errors import (
    InputError,
    MetadataError,
    OperationError,
    UnknownModuleError,
)
from tracker.models import Module
from tracker.paths import bundled_catalog_dir
from tracker.progress import record_events

LEARNING_PATH = [
    "introduction",
    "setup",
    "tensor",
    "activations",
    "layers",
    "dataloader",
    "dense",
    "spatial",
    "attention",
    "autograd",
    "optimizers",
    "training",
    "compression",
    "kernels",
    "benchmarking",
    "mlops",
    "capstone",
]
LEVELS = {
    "introduction": 0,
    "setup": 1,
    "tensor": 2,
    "activations": 3,
    "layers": 4,
    "dataloader": 3,
    "dense": 5,
    "spatial": 6,
    "attention": 7,
    "autograd": 4,
    "optimizers": 5,
    "training": 8,
    "compression": 9,
    "kernels": 10,
    "benchmarking": 11,
    "mlops": 12,
    "capstone": 13,
}
CRITICAL_PATH = [
    "introduction",
    "setup",
    "tensor",
    "activations",
    "layers",
    "dense",
    "spatial",
    "attention",
    "training",
    "compression",
    "kernels",
    "benchmarking",
    "mlops",
    "capstone",
]
DIFFICULTY = {
    "introduction": 1,
    "setup": 1,
    "tensor": 2,
    "activations": 2,
    "layers": 2,
    "dataloader": 3,
    "dense": 3,
    "spatial": 3,
    "attention": 3,
    "autograd": 4,
    "optimizers": 4,
    "training": 4,
    "compression": 4,
    "kernels": 4,
    "benchmarking": 4,
    "mlops": 4,
    "capstone": 5,
}
COMPONENTS = {
    "introduction": 10,
    "setup": 4,
    "tensor": 4,
    "activations": 4,
    "layers": 3,
    "dataloader": 3,
    "dense": 3,
    "spatial": 3,
    "attention": 5,
    "autograd": 3,
    "optimizers": 4,
    "training": 5,
    "compression": 7,
    "kernels": 12,
    "benchmarking": 5,
    "mlops": 4,
    "capstone": 8,
}
# Transitive dependants are the same in both catalogs; direct ones differ
# where upstream lists `enables` and the bundled catalog does not.
DEPENDANTS = {
    "introduction": 16,
    "setup": 15,
    "tensor": 14,
    "activations": 12,
    "layers": 9,
    "dataloader": 9,
    "dense": 8,
    "spatial": 7,
    "attention": 6,
    "autograd": 7,
    "optimizers": 6,
    "training": 5,
    "compression": 4,
    "kernels": 3,
    "benchmarking": 2,
    "mlops": 1,
    "capstone": 0,
}


def direct_dependants(**changes: int) -> dict[str, int]:
    counts = {
        "introduction": 1,
        "setup": 15,
        "tensor": 14,
        "activations": 10,
        "layers": 9,
        "dataloader": 8,
        "dense": 8,
        "spatial": 6,
        "attention": 1,
        "autograd": 6,
        "optimizers": 6,
        "training": 5,
        "compression": 4,
        "kernels": 3,
        "benchmarking": 2,
        "mlops": 1,
        "capstone": 0,
    }
    return {**counts, **changes}


UPSTREAM_DIRECT = direct_dependants(introduction=16, dense=3, spatial=2)


def check_common_overview(overview: dict) -> None:
    assert overview["total_modules"] == 17
    assert overview["total_components"] == 87
    assert overview["total_hours"] == {
        "low": 83.0,
        "high": 107.0,
        "unestimated": ["capstone"],
    }
    assert overview["difficulty_levels"] == DIFFICULTY
    assert overview["learning_path"] == LEARNING_PATH
    assert overview["levels"] == LEVELS
    assert overview["critical_path"] == {
        "modules": CRITICAL_PATH,
        "hours": {"low": 64.0, "high": 83.0},
    }


def check_statistics(analyzer: TinyTorchAnalyzer, direct: dict[str, int]) -> None:
    stats = {m["slug"]: m for m in analyzer.get_module_statistics()}
    assert list(stats) == LEARNING_PATH
    assert {s: m["components"] for s, m in stats.items()} == COMPONENTS
    assert {s: m["dependants"] for s, m in stats.items()} == DEPENDANTS
    assert {s: m["direct_dependants"] for s, m in stats.items()} == direct
    assert {s: m["level"] for s, m in stats.items()} == LEVELS
    assert [s for s, m in stats.items() if m["on_critical_path"]] == CRITICAL_PATH


def test_bundled_overview(database):
    overview = TinyTorchAnalyzer(database).get_tinytorch_overview()
    check_common_overview(overview)
    assert overview["total_dependencies"] == 99
    assert overview["modules_per_layer"] == {
        "foundation": ["introduction", "setup", "tensor"],
        "components": ["activations", "layers", "dataloader"],
        "networks": ["dense", "spatial", "attention"],
        "training": ["autograd", "optimizers", "training"],
        "production": ["compression", "kernels", "benchmarking", "mlops", "capstone"],
    }


def test_bundled_statistics(database):
    check_statistics(TinyTorchAnalyzer(database), direct_dependants())


def test_bundled_path_levels_and_critical_path(database):
    analyzer = TinyTorchAnalyzer(database)
    assert analyzer.get_learning_path() == LEARNING_PATH
    assert analyzer.get_module_levels() == LEVELS
    assert analyzer.get_critical_path() == {
        "modules": CRITICAL_PATH,
        "hours": {"low": 64.0, "high": 83.0},
    }


def test_levels_match_the_synced_columns(database):
    with database.session() as session:
        stored = dict(session.execute(select(Module.slug, Module.level)).all())
    assert stored == LEVELS


@pytest.mark.parametrize(
    ("goal", "path"),
    [
        ("training", LEARNING_PATH[:12]),
        (
            "cnn",
            [
                "introduction",
                "setup",
                "tensor",
                "activations",
                "layers",
                "dataloader",
                "dense",
                "spatial",
            ],
        ),
        ("09", ["introduction", "setup", "tensor", "activations", "autograd"]),
        ("introduction", ["introduction"]),
    ],
)
def test_learning_path_to_goal(database, goal, path):
    assert TinyTorchAnalyzer(database).get_learning_path(goal) == path


def test_unknown_goal_suggests_a_name(database):
    with pytest.raises(UnknownModuleError, match="Did you mean 'kernels'"):
        TinyTorchAnalyzer(database).get_learning_path("kernals")


def test_module_info_adds_graph_neighbours(database):
    info = TinyTorchAnalyzer(database).get_module_info("cnn")
    assert info["slug"] == "spatial"
    assert info["layer"] == "networks"
    assert info["difficulty"] == 3
    assert (info["hours_low"], info["hours_high"]) == (6.0, 8.0)
    assert info["time_estimate"] == "6-8 hours"
    assert info["level"] == 6
    assert info["prerequisites"] == [
        "setup",
        "tensor",
        "activations",
        "layers",
        "dataloader",
        "dense",
    ]
    assert info["enables"] == [
        "attention",
        "training",
        "kernels",
        "benchmarking",
        "mlops",
        "capstone",
    ]
    assert info["all_dependants"] == [
        "attention",
        "training",
        "compression",
        "kernels",
        "benchmarking",
        "mlops",
        "capstone",
    ]
    assert info["dependants"] == 7
    assert info["direct_dependants"] == 6
    assert info["on_critical_path"] is True
    assert [c["name"] for c in info["components"]] == [
        "conv2d_naive",
        "Conv2D",
        "flatten",
    ]
    assert info["component_count"] == 3


def test_recommendations_from_stored_progress(database):
    record_events(database, "ada", ["introduction", "setup", "tensor"], "completed")
    result = TinyTorchAnalyzer(database).get_learning_recommendations(user="ada")
    assert result["learner"] == "ada"
    assert result["current_module"] is None
    assert result["completed_modules"] == ["introduction", "setup", "tensor"]
    assert [m["slug"] for m in result["next_modules"]] == ["activations", "dataloader"]
    assert result["next_modules"][0]["unlocks_now"] == ["layers", "autograd"]
    assert result["remaining_time"] == {
        "low": 77.0,
        "high": 97.0,
        "unestimated": ["capstone"],
    }
    assert result["remaining_modules"] == LEARNING_PATH[3:]


def test_recommendations_for_a_current_module(database):
    # Nothing is stored: the result assumes dense and all it needs are done.
    analyzer = TinyTorchAnalyzer(database)
    result = analyzer.get_learning_recommendations(goal="training", current_module="05")
    assert result["learner"] is None
    assert result["current_module"] == "dense"
    assert result["goal"] == "training"
    assert result["completed_modules"] == LEARNING_PATH[:7]
    assert [m["slug"] for m in result["next_modules"]] == ["spatial", "autograd"]
    assert result["remaining_time"] == {"low": 32.0, "high": 41.0, "unestimated": []}
    assert result["remaining_modules"] == [
        "spatial",
        "attention",
        "autograd",
        "optimizers",
        "training",
    ]


def test_current_module_and_user_together_are_rejected(database):
    with pytest.raises(InputError, match="not both"):
        TinyTorchAnalyzer(database).get_learning_recommendations(
            user="ada", current_module="tensor"
        )


def test_upstream_synced_into_each_backend(database, upstream_catalog):
    sync_catalog(database, upstream_catalog)
    analyzer = TinyTorchAnalyzer(database)
    overview = analyzer.get_tinytorch_overview()
    check_common_overview(overview)
    assert overview["total_dependencies"] == 105
    assert overview["modules_per_layer"] == {"unassigned": LEARNING_PATH}
    check_statistics(analyzer, UPSTREAM_DIRECT)
    assert analyzer.get_learning_path("dense") == LEARNING_PATH[:7]


@pytest.mark.scratch_database
def test_upstream_folder_through_a_temporary_database(upstream_catalog):
    with TinyTorchAnalyzer(modules_dir=upstream_catalog) as analyzer:
        scratch = Path(analyzer.database.engine.url.database).parent
        assert scratch.is_dir()
        assert len(analyzer.sync_warnings) == 16
        overview = analyzer.get_tinytorch_overview()
        check_common_overview(overview)
        assert overview["total_dependencies"] == 105
        check_statistics(analyzer, UPSTREAM_DIRECT)
        assert analyzer.get_learning_path() == LEARNING_PATH
        assert analyzer.get_module_levels() == LEVELS
        assert analyzer.get_critical_path()["hours"] == {"low": 64.0, "high": 83.0}
    assert not scratch.exists()


def test_invalid_folder_leaves_no_temporary_database(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    broken = tmp_path / "modules" / "01_broken"
    broken.mkdir(parents=True)
    (broken / "module.yaml").write_text("name: [\n")
    with pytest.raises(MetadataError):
        TinyTorchAnalyzer(modules_dir=tmp_path / "modules")
    assert list(scratch.iterdir()) == []


def test_database_and_folder_together_are_rejected(database, upstream_catalog):
    with pytest.raises(InputError, match="not both"):
        TinyTorchAnalyzer(database, modules_dir=upstream_catalog)


def test_database_passed_in_stays_open(database):
    with TinyTorchAnalyzer(database) as analyzer:
        assert analyzer.get_learning_path()[0] == "introduction"
    assert load_curriculum(database).learning_path == LEARNING_PATH


def test_analyzer_opens_a_url(db_url):
    with TinyTorchAnalyzer(db_url) as analyzer:
        assert analyzer.get_tinytorch_overview()["total_modules"] == 17


def test_shortcuts_use_the_default_database(db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("TT_PROGRESS_DB", db_url)
    assert tracker.get_tinytorch_overview()["total_components"] == 87
    assert tracker.get_module_info("02_tensor")["slug"] == "tensor"
    after_tensor = tracker.get_learning_recommendations(current_module="tensor")
    assert [m["slug"] for m in after_tensor["next_modules"]] == [
        "activations",
        "dataloader",
    ]
    assert tracker.get_learning_recommendations()["learner"] == "ada"
    for figure in (
        tracker.create_dependency_graph_visualization(),
        tracker.create_dependency_graph_visualization(layout="circular"),
        tracker.create_system_architecture_diagram(),
        tracker.create_learning_roadmap(),
        tracker.create_component_analysis(),
    ):
        assert isinstance(figure, Figure)
    figures = tracker.visualize_tinytorch_system(save_plots=True, output_dir=tmp_path)
    assert list(figures) == ["graph", "architecture", "roadmap", "components"]
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "architecture.png",
        "components.png",
        "graph.png",
        "roadmap.png",
    ]


def test_layered_layout_puts_prerequisites_above(database):
    curriculum = load_curriculum(database)
    layout = graphs.layered_layout(curriculum.graph)
    for prerequisite, module in curriculum.graph.edges:
        assert layout.positions[prerequisite][1] > layout.positions[module][1]
    rows: dict[float, list[float]] = {}
    for x, y in layout.positions.values():
        rows.setdefault(y, []).append(x)
    for xs in rows.values():
        xs.sort()
        assert all(b - a >= 1.0 - 1e-6 for a, b in itertools.pairwise(xs))
    # An essential edge bends once on each level it skips.
    assert layout.routes[("dataloader", "dense")][1][1] == -4.0
    assert len(layout.routes[("optimizers", "training")]) == 4


def test_graph_examples_run():
    failures, tried = doctest.testmod(graphs)
    assert tried >= 7
    assert failures == 0


def test_overview_command(run):
    output = run("overview").stdout
    assert "Curriculum: 17 modules, 87 components, 99 dependencies\n" in output
    assert "Hours: 83-107 h (no estimate: capstone)\n" in output
    assert "Levels: 0 to 13\n" in output
    assert "Critical path: 64-83 h over 14 modules: introduction -> setup" in output
    assert "production  5        36          28-35 h" in output
    assert (
        "03  activations   components  3      2           4           3-4 h   10/12"
        in output
    )


def test_overview_json_with_learner(run):
    run("complete", "introduction", "setup")
    data = json.loads(run("overview", "--json", "--user", "ada").stdout)
    assert data["learner"]["completed"] == 2
    assert data["learner"]["next_modules"] == ["tensor"]
    assert data["learner"]["hours_remaining"] == {
        "low": 81.0,
        "high": 103.0,
        "unestimated": ["capstone"],
    }
    states = {m["slug"]: m["state"] for m in data["modules"]}
    assert states["setup"] == "completed"
    assert states["tensor"] == "ready"
    assert states["capstone"] == "locked"


def test_overview_without_user_has_no_states(run):
    data = json.loads(run("overview", "--json").stdout)
    assert "learner" not in data
    assert "state" not in data["modules"][0]


def test_overview_writes_charts(run, tmp_path):
    folder = tmp_path / "charts"
    result = run("overview", "--charts", str(folder))
    assert f"Chart written to {folder / 'roadmap.png'}" in result.stdout
    assert sorted(p.name for p in folder.iterdir()) == [
        "architecture.png",
        "components.png",
        "graph.png",
        "roadmap.png",
    ]


def test_overview_charts_into_a_file_is_rejected(run, tmp_path):
    target = tmp_path / "taken"
    target.write_text("")
    result = run("overview", "--charts", str(target), exit_code=2)
    assert "is a file, not a folder" in result.stderr
    assert "Curriculum:" not in result.stdout


def test_retired_module_is_left_out(database, tmp_path):
    folder = tmp_path / "modules"
    shutil.copytree(bundled_catalog_dir(), folder)
    shutil.rmtree(folder / "16_capstone")
    sync_catalog(database, folder)
    analyzer = TinyTorchAnalyzer(database)
    overview = analyzer.get_tinytorch_overview()
    assert overview["total_modules"] == 16
    assert overview["learning_path"] == LEARNING_PATH[:-1]
    assert overview["critical_path"]["modules"] == CRITICAL_PATH[:-1]
    with pytest.raises(OperationError, match="'capstone' was retired"):
        analyzer.get_learning_path("capstone")
    with pytest.raises(OperationError, match="'capstone' was retired"):
        analyzer.get_learning_recommendations(current_module="capstone")
