"""Render the four curriculum diagrams of the bundled catalog into docs/.

Run it from a checkout with the package installed, after changing the
catalog or the diagrams:

    python scripts/make_docs_images.py

The catalog is synced into a temporary database, so no existing database
is read or changed.
"""

from __future__ import annotations

from pathlib import Path

from tracker.analysis import TinyTorchAnalyzer
from tracker.paths import bundled_catalog_dir

DOCS = Path(__file__).resolve().parents[1] / "docs"


def main() -> None:
    with TinyTorchAnalyzer(modules_dir=bundled_catalog_dir()) as analyzer:
        figures = analyzer.visualize_tinytorch_system(save_plots=True, output_dir=DOCS)
    for kind in figures:
        print(DOCS / f"{kind}.png")


if __name__ == "__main__":
    main()
