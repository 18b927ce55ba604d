"""The cohort heatmap and the completion funnel, as real image files."""

from __future__ import annotations

import numpy as np
import pytest
from cohort_data import build_class, now_utc
from matplotlib import image

from tracker.charts import STATE_COLOURS
from tracker.cohort_charts import cohort_heatmap_figure, funnel_figure
from tracker.membership import create_cohort


def colour_pixels(pixels, colour: str) -> int:
    rgb = tuple(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return int(np.all(np.isclose(pixels[..., :3], rgb, atol=0.01), axis=-1).sum())


def test_heatmap_png(run, database, tmp_path):
    build_class(database, now_utc())
    target = tmp_path / "cohort.png"
    result = run("chart", "cohort", "--cohort", "fall", "-o", str(target))
    assert result.stdout == f"Chart written to {target}\n"
    pixels = image.imread(target)
    assert pixels.shape[:2] == (380, 1065)
    assert np.unique(pixels.reshape(-1, pixels.shape[2]), axis=0).shape[0] > 20
    # Four learners by seventeen modules: 7 cells completed, 2 in progress,
    # 3 ready and 56 locked. A cell is about 45 x 55 pixels, and the legend
    # adds a few hundred pixels of each colour.
    cells = {"completed": 7, "in_progress": 2, "ready": 3, "locked": 56}
    for state, count in cells.items():
        found = colour_pixels(pixels, STATE_COLOURS[state])
        assert 1500 * count < found < 3000 * count, state


def test_funnel_png(run, database, tmp_path):
    build_class(database, now_utc())
    target = tmp_path / "funnel.png"
    run("chart", "funnel", "-o", str(target))
    pixels = image.imread(target)
    assert pixels.shape[:2] == (806, 1000)
    assert colour_pixels(pixels, STATE_COLOURS["completed"]) > 2000
    assert colour_pixels(pixels, STATE_COLOURS["locked"]) == 0


@pytest.mark.parametrize(("suffix", "magic"), [(".svg", b"<?xml"), (".pdf", b"%PDF")])
@pytest.mark.parametrize("kind", ["cohort", "funnel"])
def test_vector_formats(run, database, tmp_path, kind, suffix, magic):
    build_class(database, now_utc())
    target = tmp_path / f"{kind}{suffix}"
    run("chart", kind, "-o", str(target))
    assert target.read_bytes()[: len(magic)] == magic


def test_empty_cohort_still_draws(run, database, tmp_path):
    create_cohort(database, "empty")
    target = tmp_path / "empty.png"
    run("chart", "cohort", "--cohort", "empty", "-o", str(target))
    pixels = image.imread(target)
    assert pixels.shape[:2] == (350, 1065)
    assert colour_pixels(pixels, STATE_COLOURS["locked"]) < 1000  # the legend only


def test_bad_chart_path(run, database, tmp_path):
    result = run("chart", "funnel", "-o", str(tmp_path / "funnel.gif"), exit_code=2)
    assert "use a file name ending in .png, .svg or .pdf" in result.stderr
    assert not (tmp_path / "funnel.gif").exists()


def test_heatmap_figure_values(database):
    build_class(database, now_utc())
    figure = cohort_heatmap_figure(database, " fall ")
    axes = figure.axes[0]
    # Codes follow STATES: 0 completed, 1 in progress, 2 ready, 3 locked.
    first_six = [
        [0, 0, 0, 1, 3, 2],  # ana
        [0, 0, 1, 3, 3, 3],  # ben
        [2, 3, 3, 3, 3, 3],  # cy
        [0, 2, 3, 3, 3, 3],  # dee
    ]
    expected = [row + [3] * 11 for row in first_six]
    assert axes.images[0].get_array().tolist() == expected
    assert [label.get_text() for label in axes.get_yticklabels()] == [
        "ana", "ben", "cy", "dee",
    ]  # fmt: skip
    labels = [label.get_text() for label in axes.get_xticklabels()]
    assert labels[:6] == [
        "00 introduction", "01 setup", "02 tensor", "03 activations", "04 layers",
        "08 dataloader",
    ]  # fmt: skip
    assert len(labels) == 17
    assert axes.get_title() == "Module states (cohort fall, 4 learners)"


def test_funnel_figure_values(database):
    build_class(database, now_utc())
    axes = funnel_figure(database, "fall").axes[0]
    widths = [bar.get_width() for bar in axes.patches]
    assert widths == [3, 2, 1] + [0] * 14
    labels = [label.get_text() for label in axes.get_yticklabels()]
    assert labels[:3] == ["00 introduction", "01 setup", "02 tensor"]
    assert [text.get_text() for text in axes.texts][:3] == [
        " 3 (75%)", " 2 (50%)", " 1 (25%)",
    ]  # fmt: skip
    assert axes.get_title() == "Completions by module (cohort fall, 4 learners)"
    every = funnel_figure(database).axes[0]
    assert [bar.get_width() for bar in every.patches][:3] == [4, 2, 1]
    assert every.get_title() == "Completions by module (all learners, 5 learners)"
