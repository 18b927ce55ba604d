"""Text from learners and metadata is drawn as written, never read as mathtext."""

from __future__ import annotations

import io

import pytest
from matplotlib.cbook import is_math_text
from matplotlib.figure import Figure
from matplotlib.text import Text

from tracker.analysis import load_curriculum
from tracker.charts import progress_chart
from tracker.cohort import cohort_matrix, cohort_status
from tracker.cohort_charts import completion_funnel, state_heatmap
from tracker.diagrams import KINDS, draw_diagram
from tracker.progress import learner_status

# An unknown command fails to parse as math, and a pair of dollars around
# plain text would be drawn as a formula.
HANDLES = ["$\\undefinedcmd$", "$x^2$"]


def drawn_texts(figure: Figure) -> list[str]:
    """Draw the figure, then return the text of every visible text artist.

    A text that matplotlib would typeset as math comes back marked as such.
    """
    figure.savefig(io.BytesIO(), format="png")
    return [
        f"math: {text.get_text()}"
        if text.get_parse_math() and is_math_text(text.get_text())
        else text.get_text()
        for text in figure.findobj(Text)
        if text.get_visible()
    ]


def record_handles(run) -> None:
    for handle in HANDLES:
        run("complete", "introduction", "--user", handle)


def test_heatmap_labels_are_handles(run, database):
    record_handles(run)
    modules, learners = cohort_matrix(database, None)
    figure = state_heatmap(modules, learners)
    labels = [label.get_text() for label in figure.axes[0].get_yticklabels()]
    assert labels == sorted(HANDLES)
    for label in figure.axes[0].get_yticklabels():
        assert label.get_parse_math() is False
    assert set(HANDLES) <= set(drawn_texts(figure))


def test_funnel_and_progress_draw(run, database):
    record_handles(run)
    drawn_texts(completion_funnel(cohort_status(database, None)))
    figure = progress_chart(learner_status(database, HANDLES[0]))
    title = figure.axes[0].get_title()
    assert title.startswith(f"{HANDLES[0]}: 1/")
    assert title in drawn_texts(figure)


@pytest.mark.parametrize("kind", KINDS)
def test_diagram_with_learner(run, database, kind):
    record_handles(run)
    status = learner_status(database, HANDLES[1])
    figure = draw_diagram(load_curriculum(database), kind, status)
    texts = drawn_texts(figure)
    assert any(f"\n{HANDLES[1]}: " in text for text in texts)
    assert not any(text.startswith("math: ") for text in texts)


def test_commands_draw_handles(run, tmp_path):
    record_handles(run)
    run("cohort", "create", "$fall^2$")
    run("cohort", "add", "$fall^2$", *HANDLES)
    run("chart", "cohort", "--cohort", "$fall^2$", "-o", str(tmp_path / "c.png"))
    run("chart", "funnel", "-o", str(tmp_path / "f.svg"))
    run("cohort", "report", "-o", str(tmp_path / "r.html"))
    result = run("status", "--user", HANDLES[0], "--chart", str(tmp_path / "s.pdf"))
    assert result.stdout.endswith(f"Chart written to {tmp_path / 's.pdf'}\n")
    run("chart", "roadmap", "--user", HANDLES[1], "-o", str(tmp_path / "m.png"))
    run("overview", "--user", HANDLES[0], "--charts", str(tmp_path / "all"))
    assert len(list((tmp_path / "all").iterdir())) == len(KINDS)
    assert "$x^2$" in (tmp_path / "r.html").read_text(encoding="utf-8")
