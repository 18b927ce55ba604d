"""The progress chart written by ``status --chart``."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib import image

from tracker.charts import STATE_COLOURS


def test_png_chart_size_and_content(run, tmp_path):
    run("complete", "introduction", "setup", "tensor")
    target = tmp_path / "progress.png"
    result = run("status", "--chart", str(target))
    assert f"Chart written to {target}" in result.output
    pixels = image.imread(target)
    height, width = pixels.shape[:2]
    assert (width, height) == (1000, 806)
    assert np.unique(pixels.reshape(-1, pixels.shape[2]), axis=0).shape[0] > 20
    completed = tuple(
        int(STATE_COLOURS["completed"][i : i + 2], 16) / 255 for i in (1, 3, 5)
    )
    rgb = pixels[..., :3]
    matches = np.all(np.isclose(rgb, completed, atol=0.01), axis=-1)
    assert matches.sum() > 500


@pytest.mark.parametrize(("suffix", "magic"), [(".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_vector_formats(run, tmp_path, suffix, magic):
    target = tmp_path / f"progress{suffix}"
    run("status", "--chart", str(target))
    assert target.read_bytes()[: len(magic)] == magic


def test_unknown_suffix_is_rejected_before_work(run, tmp_path):
    result = run("status", "--chart", str(tmp_path / "progress.gif"), exit_code=2)
    assert "use a file name ending in .png, .svg or .pdf" in result.stderr
    assert not (tmp_path / "progress.gif").exists()


def test_missing_folder_is_rejected(run, tmp_path):
    result = run("status", "--chart", str(tmp_path / "nope" / "p.png"), exit_code=2)
    assert "does not exist" in result.stderr
