"""Exceptions raised by the library.

The command line maps them at one place: `InputError` and its subclasses exit
with status 2 (bad usage or bad input), every other `TrackerError` with 1.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base class of every error the library raises on purpose."""


class InputError(TrackerError):
    """Invalid input from the user: an argument, an option or a file."""


class MetadataError(InputError):
    """A `module.yaml` file or a catalog folder is invalid."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class UnknownModuleError(InputError):
    """A module name matches no module in the catalog."""


class DatabaseError(TrackerError):
    """The database cannot be opened, upgraded or written."""


class DatabaseBusyError(DatabaseError):
    """A lock could not be taken within the busy timeout."""


class OperationError(TrackerError):
    """A valid request that cannot be carried out in the current state."""


class CatalogMismatchError(OperationError):
    """Two databases hold different catalogs, so events cannot move between them."""

    def __init__(self, message: str, differences: list[str]) -> None:
        super().__init__("\n".join([message, *(f"  {line}" for line in differences)]))
        self.differences = differences
