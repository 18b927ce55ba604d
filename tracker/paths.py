"""Where the bundled catalog, the migrations and the default database live."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    # Installed from a wheel, the folder sits inside the package; in a
    # checkout (or an editable install) it sits beside it.
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name


def bundled_catalog_dir() -> Path:
    """Return the folder of the TinyTorch catalog shipped with the package."""
    return _data_dir("modules")


def migrations_dir() -> Path:
    """Return the Alembic script folder shipped with the package."""
    return _data_dir("migrations")


def app_dir() -> Path:
    """Return the application folder: ``TT_PROGRESS_HOME`` or the OS default."""
    configured = os.environ.get("TT_PROGRESS_HOME")
    if configured:
        return Path(configured).expanduser()
    import click

    return Path(click.get_app_dir("tt-progress"))


def metadata_files(directory: Path) -> list[Path]:
    """Return the ``module.yaml`` of each sub-folder, sorted by folder name."""
    files = []
    for child in sorted(directory.iterdir()):
        if not child.is_dir():
            continue
        for filename in ("module.yaml", "module.yml"):
            path = child / filename
            if path.is_file():
                files.append(path)
                break
    return files


def fingerprint(directory: Path, files: list[Path]) -> str:
    """Return a SHA-256 of metadata files' relative names and bytes.

    It reads bytes only, without YAML, so that every command can afford to
    check whether the bundled catalog changed since the last sync.
    """
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def bundled_fingerprint() -> str:
    """Return the fingerprint of the bundled catalog."""
    directory = bundled_catalog_dir()
    return fingerprint(directory, metadata_files(directory))
