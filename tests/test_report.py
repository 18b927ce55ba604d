"""The HTML report: self-contained, and rendered by a real headless browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from cohort_data import COHORT, build_class, now_utc
from matplotlib import image

from tracker.charts import STATE_COLOURS
from tracker.membership import add_members
from tracker.report import build_report

HOSTILE_NAME = "<script>document.title='injected'</script>"
# Namespace names that every SVG carries; a browser never fetches them.
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


@pytest.fixture
def chromium() -> str:
    """The path of Debian's headless-capable Chromium, or skip the test."""
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found is None:
        pytest.skip(
            "Chromium is not installed, so the report is not checked in a browser "
            "(install Debian's 'chromium' package)."
        )
    return found


def browse(chromium: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    profile.mkdir(exist_ok=True)
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", *args,
    ]  # fmt: skip
    return subprocess.run(
        command, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.fixture
def report(run, database, tmp_path) -> Path:
    build_class(database, now_utc())
    roster = tmp_path / "roster.csv"
    roster.write_text(f'handle,display_name\neve,"{HOSTILE_NAME}"\n', encoding="utf-8")
    add_members(database, COHORT, [], roster)
    target = tmp_path / "report.html"
    result = run("cohort", "report", "--cohort", COHORT, "--output", str(target))
    assert result.stdout == f"Report written to {target}\n"
    return target


def test_report_is_self_contained(report):
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert set(re.findall(r"https?://[^\s\"')]+", page)) <= NAMESPACES
    assert not re.search(r"<(script|link|iframe|object)\b", page)
    assert re.findall(r'\bsrc="', page) == []
    assert "@import" not in page
    assert set(re.findall(r"url\((.)", page)) <= {"#"}
    references = re.findall(r'href="([^"]*)"', page)
    assert references
    assert all(ref.startswith(("#", "data:image/png;base64,")) for ref in references)
    assert set(re.findall(r"data:[a-z/+]+", page)) == {"data:image/png"}
    assert "&lt;script&gt;document.title=&#x27;injected&#x27;&lt;/script&gt;" in page
    assert page.count("<svg") == 2
    assert '<span id="learner-count">5</span>' in page
    assert page.count('<tr class="learner">') == 5
    assert page.count('<tr class="module">') == 17
    # eve joined just now, so only ben, cy and dee look stuck.
    assert page.count('<tr class="stuck">') == 3


def test_report_renders_in_chromium(chromium, report, tmp_path):
    result = browse(chromium, tmp_path, "--dump-dom", report.as_uri())
    assert result.returncode == 0, result.stderr
    dom = result.stdout
    assert "<title>TinyTorch progress: cohort fall</title>" in dom
    assert re.search(r'<span id="learner-count">(\d+)</span>', dom).group(1) == "5"
    learners = re.findall(r'<tr class="learner"><td>([^<]*)</td>', dom)
    assert learners == ["ana", "ben", "cy", "dee", "eve"]
    assert dom.count("<svg") == 2


def test_report_screenshot_shows_charts(chromium, report, tmp_path):
    shot = tmp_path / "report.png"
    result = browse(
        chromium, tmp_path, "--window-size=1200,2800", f"--screenshot={shot}",
        report.as_uri(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    pixels = image.imread(shot)
    assert pixels.shape[:2] == (2800, 1200)
    # The heatmap's legend has a few hundred pixels of each colour. The
    # heatmap's cells and the funnel's bars add thousands more.
    for state, colour in STATE_COLOURS.items():
        rgb = tuple(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        found = np.all(np.isclose(pixels[..., :3], rgb, atol=0.02), axis=-1).sum()
        assert found > 2000, state


def test_build_report_values(database):
    now = now_utc()
    build_class(database, now)
    page = build_report(database, COHORT, days=14, now=now)
    assert '<span id="learner-count">4</span>' in page
    assert '<span id="module-count">17</span>' in page
    when = (now - timedelta(days=10)).strftime("%Y-%m-%d %H:%M UTC")
    assert (
        '<tr class="learner"><td>ana</td><td></td><td class="number">3/17</td>'
        f'<td class="number">17.6%</td><td>6-10 h</td><td>77-97 h</td><td>{when}</td>'
        "<td>activations</td></tr>"
    ) in page
    assert (
        '<tr class="module"><td>01</td><td>setup</td><td class="number">2</td>'
        '<td class="number">0</td><td class="number">1</td><td class="number">1</td>'
        '<td class="number">50%</td><td class="number">36 h</td><td>1-2 h</td></tr>'
    ) in page
    stuck = re.findall(r'<tr class="stuck"><td>([^<]*)</td><td></td><td>(\w+)', page)
    assert stuck == [("ben", "slow"), ("cy", "inactive"), ("dee", "inactive")]
    every = build_report(database, now=now)
    assert '<span id="learner-count">5</span>' in every
    assert every.count('<tr class="learner">') == 5


def test_report_prints_to_pdf(chromium, report, tmp_path):
    pdf = tmp_path / "report.pdf"
    result = browse(chromium, tmp_path, f"--print-to-pdf={pdf}", report.as_uri())
    assert result.returncode == 0, result.stderr
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-"
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 2


def test_report_folder_must_exist(run, database, tmp_path):
    target = tmp_path / "missing" / "report.html"
    result = run("cohort", "report", "--output", str(target), exit_code=2)
    assert "does not exist" in result.stderr
