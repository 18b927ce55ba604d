"""The four curriculum diagrams, written through ``tt-progress chart`` and the
library, checked as real image files."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib import image
from matplotlib.colors import to_hex

from tracker.analysis import TinyTorchAnalyzer, load_curriculum
from tracker.charts import STATE_COLOURS, save_figure
from tracker.diagrams import draw_diagram
from tracker.diagrams.graph import graph_positions, node_diameter
from tracker.errors import InputError
from tracker.progress import learner_status, record_events

# Pixel sizes at the default 100 dpi for the bundled catalog.
SIZES = {
    ("graph", "hierarchical"): (1100, 1108),
    ("graph", "circular"): (1100, 1050),
    ("architecture", None): (1119, 998),
    ("roadmap", None): (1200, 954),
    ("components", None): (1400, 872),
}
COMMANDS = [
    pytest.param(["graph"], ("graph", "hierarchical"), id="graph"),
    pytest.param(
        ["graph", "--layout", "circular"], ("graph", "circular"), id="circular"
    ),
    pytest.param(["architecture"], ("architecture", None), id="architecture"),
    pytest.param(["roadmap"], ("roadmap", None), id="roadmap"),
    pytest.param(["components"], ("components", None), id="components"),
]
DONE = ["introduction", "setup", "tensor", "activations"]


def rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])


def check_png(path, size: tuple[int, int]) -> np.ndarray:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = image.imread(path)
    height, width = pixels.shape[:2]
    assert (width, height) == size
    # Pack each pixel into one integer: np.unique on rows is slow.
    channels = (pixels * 255).round().astype(np.uint32)
    packed = channels[..., 0] << 16 | channels[..., 1] << 8 | channels[..., 2]
    assert np.unique(packed).size > 50
    not_white = np.any(pixels[..., :3] < 0.95, axis=-1).mean()
    assert not_white > 0.02
    return pixels


@pytest.mark.parametrize(("args", "key"), COMMANDS)
def test_chart_png(run, tmp_path, args, key):
    target = tmp_path / "diagram.png"
    result = run("chart", *args, "-o", str(target))
    assert result.stdout == f"Chart written to {target}\n"
    check_png(target, SIZES[key])


@pytest.mark.parametrize(("args", "key"), COMMANDS)
def test_chart_png_with_learner(run, tmp_path, args, key):
    run("complete", *DONE)
    target = tmp_path / "diagram.png"
    run("chart", *args, "--user", "ada", "-o", str(target))
    pixels = check_png(target, SIZES[key])
    completed = np.all(
        np.isclose(pixels[..., :3], rgb(STATE_COLOURS["completed"]), atol=0.01), axis=-1
    )
    assert completed.sum() > 300


@pytest.mark.parametrize(("suffix", "magic"), [(".svg", b"<?xml"), (".pdf", b"%PDF")])
@pytest.mark.parametrize("kind", ["graph", "architecture", "roadmap", "components"])
def test_chart_vector_formats(run, tmp_path, kind, suffix, magic):
    target = tmp_path / f"diagram{suffix}"
    run("chart", kind, "-o", str(target))
    data = target.read_bytes()
    assert data[: len(magic)] == magic
    assert len(data) > 10_000


def test_svg_names_each_module(run, tmp_path):
    target = tmp_path / "architecture.svg"
    run("chart", "architecture", "-o", str(target))
    text = target.read_text()
    for slug in ("introduction", "tensor", "capstone"):
        assert f'id="module-{slug}"' in text


def test_graph_nodes_in_state_colours(database, tmp_path):
    record_events(database, "ada", DONE, "completed")
    record_events(database, "ada", ["layers"], "started")
    curriculum = load_curriculum(database)
    figure = draw_diagram(curriculum, "graph", learner_status(database, "ada"))
    target = save_figure(figure, tmp_path / "graph.png")
    pixels = image.imread(target)[..., :3]
    height = pixels.shape[0]
    axes = figure.axes[0]
    expected = {slug: "completed" for slug in DONE}
    expected.update(layers="in_progress", dataloader="ready", autograd="ready")
    expected.update(dense="locked", capstone="locked")
    for slug, (x, y) in graph_positions(curriculum, "hierarchical").items():
        if slug not in expected:
            continue
        column, row = axes.transData.transform((x, y))
        # Above the centre, clear of the difficulty digit.
        radius = node_diameter(curriculum.by_slug[slug].components) / 2 * 100 / 72
        sample = pixels[round(height - row - 0.6 * radius), round(column)]
        assert np.allclose(sample, rgb(STATE_COLOURS[expected[slug]]), atol=0.02), slug


@pytest.mark.parametrize("kind", ["architecture", "roadmap", "components"])
def test_module_artists_in_state_colours(database, kind):
    record_events(database, "ada", DONE, "completed")
    curriculum = load_curriculum(database)
    figure = draw_diagram(curriculum, kind, learner_status(database, "ada"))
    colours = {
        artist.get_gid(): to_hex(artist.get_facecolor())
        for axes in figure.axes
        for artist in axes.patches
        if (artist.get_gid() or "").startswith("module-")
    }
    modules_with_bars = [
        m.slug
        for m in curriculum.modules
        if kind != "roadmap" or m.hours_low is not None
    ]
    assert sorted(colours) == sorted(f"module-{slug}" for slug in modules_with_bars)
    for slug in DONE:
        assert colours[f"module-{slug}"] == STATE_COLOURS["completed"]
    assert colours["module-dense"] == STATE_COLOURS["locked"]
    assert colours["module-layers"] == STATE_COLOURS["ready"]


def test_bare_curriculum_uses_no_state_colours(database):
    curriculum = load_curriculum(database)
    figure = draw_diagram(curriculum, "architecture")
    faces = {
        to_hex(artist.get_facecolor())
        for artist in figure.axes[0].patches
        if (artist.get_gid() or "").startswith("module-")
    }
    assert faces == {"#ffffff"}


@pytest.mark.scratch_database
@pytest.mark.parametrize(
    ("kind", "layout", "size"),
    [
        ("graph", "hierarchical", (1100, 1108)),
        ("graph", "circular", (1100, 1050)),
        ("architecture", "hierarchical", (1275, 504)),
        ("roadmap", "hierarchical", (1200, 954)),
        ("components", "hierarchical", (1400, 872)),
    ],
)
def test_upstream_diagrams(upstream_catalog, tmp_path, kind, layout, size):
    with TinyTorchAnalyzer(modules_dir=upstream_catalog) as analyzer:
        figure = draw_diagram(analyzer.curriculum(), kind, layout=layout)
    check_png(save_figure(figure, tmp_path / f"{kind}.png"), size)


def test_unknown_suffix_is_rejected(run, tmp_path):
    result = run("chart", "roadmap", "-o", str(tmp_path / "roadmap.gif"), exit_code=2)
    assert "use a file name ending in .png, .svg or .pdf" in result.stderr
    assert not (tmp_path / "roadmap.gif").exists()


def test_unknown_layout_is_rejected(run, tmp_path):
    result = run(
        "chart",
        "graph",
        "--layout",
        "spiral",
        "-o",
        str(tmp_path / "g.png"),
        exit_code=2,
    )
    assert "'spiral' is not one of 'hierarchical', 'circular'" in result.stderr


def test_output_is_required(run):
    result = run("chart", "components", exit_code=2)
    assert "Missing option '-o' / '--output'" in result.stderr


def test_library_rejects_unknown_kind_and_layout(database):
    curriculum = load_curriculum(database)
    with pytest.raises(InputError, match="Unknown diagram 'pie'"):
        draw_diagram(curriculum, "pie")
    with pytest.raises(InputError, match="Unknown graph layout 'spiral'"):
        draw_diagram(curriculum, "graph", layout="spiral")
