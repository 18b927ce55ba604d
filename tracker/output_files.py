"""Output files of exports and reports: checked before work, replaced when complete."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from .errors import InputError


def check_folder(path: Path, label: str) -> None:
    """Raise InputError unless ``path`` names a file in a folder that exists.

    ``label`` names the file in the message, such as "the report". A path
    with no file name (an empty one reads as the current folder) raises too.
    """
    if not path.name:
        raise InputError(
            f"The path {str(path)!r} for {label} is empty or names a folder, "
            "not a file. Give a file name."
        )
    folder = path.parent
    if folder.is_dir():
        return
    if folder.exists():
        raise InputError(
            f"Cannot write {label} {str(path)!r}: {str(folder)!r} is not a folder. "
            "Choose another path."
        )
    raise InputError(
        f"The folder {str(folder)!r} for {label} {str(path)!r} does not exist. "
        "Create it or choose another path."
    )


@contextmanager
def replace_when_done(path: Path, label: str, encoding: str) -> Iterator[TextIO]:
    """Open a hidden file beside ``path`` and move it over ``path`` on success.

    A failed write, or an exception in the caller, removes the hidden file and
    leaves any earlier ``path`` as it was.
    """
    check_folder(path, label)
    partial = path.with_name(f".{path.name}.partial")
    try:
        handle = partial.open("w", encoding=encoding, newline="")
    except OSError as err:
        raise InputError(
            f"Cannot write {label} {str(path)!r}: {err.strerror}."
        ) from None
    try:
        with handle:
            yield handle
        os.replace(partial, path)
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise InputError(
            f"Cannot write {label} {str(path)!r}: {err.strerror}."
        ) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
