"""Read and validate `module.yaml` files into plain records.

One reader accepts the canonical shape written in the bundled catalog and the
older shapes found in real course repositories:

- ``dependencies`` as a mapping with ``prerequisites`` and ``enables``, as a
  flat list of prerequisites, or ``prerequisites``/``enables`` at the top;
- names and references with a numeric prefix (``10_compression``);
- components as strings or as mappings with ``name``, ``description`` and
  ``type`` (or ``kind``);
- difficulty as a number or a string of stars (other characters ignored);
- time estimates such as ``"4-6 hours"``, ``"8 hours"`` or ``"30 minutes"``;
  a text with no digit (``"Capstone Project"``) means no estimate, never zero
  hours, and any other text with a digit is an error.

This module imports no graph or plotting library: it runs on the sync path,
and the cycle check lives in `tracker.graph`.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import MetadataError
from .learners import max_length
from .paths import fingerprint, metadata_files
from .schema import components as component_table
from .schema import module_aliases, modules

# The maximum text length of each column (see `max_length`).
MAX_SLUG = max_length(modules.c.slug)
MAX_TITLE = max_length(modules.c.title)
MAX_ESTIMATE = max_length(modules.c.time_estimate)
MAX_ALIAS = max_length(module_aliases.c.alias)
MAX_COMPONENT_NAME = max_length(component_table.c.name)
MAX_COMPONENT_KIND = max_length(component_table.c.kind)

LAYERS = ("foundation", "components", "networks", "training", "production")

_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
_NUMBER_PREFIX = re.compile(r"^(\d+)_(.+)$")
_STARS = ("⭐", "★")
_NUMBER = r"(\d+(?:\.\d+)?)"
_ESTIMATE = re.compile(
    rf"~?\s*{_NUMBER}(?:\s*(?:-|–|—|to)\s*{_NUMBER})?\s*([^\W\d_]+)?\.?",
    re.IGNORECASE,
)
_HOUR_UNITS = ("hours", "hour", "hrs", "hr", "h")
_MINUTE_UNITS = ("minutes", "minute", "mins", "min", "m")


@dataclass(frozen=True)
class Component:
    """One thing a module implements: a class, a function or a concept."""

    name: str
    kind: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Reference:
    """A module name as written in a file, with where it was written."""

    name: str
    source: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass
class ModuleRecord:
    """One module as read from its `module.yaml`, before references resolve."""

    slug: str
    number: int | None
    title: str
    description: str
    difficulty: int | None
    hours_low: float | None
    hours_high: float | None
    time_estimate: str | None
    layer: str | None
    source: str
    path: str = ""
    aliases: list[str] = field(default_factory=list)
    # The line of each alias, and of the 'number' key when the file has one.
    alias_lines: list[int] = field(default_factory=list)
    number_line: int | None = None
    prerequisites: list[Reference] = field(default_factory=list)
    enables: list[Reference] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)


@dataclass
class Catalog:
    """A validated set of modules with every reference resolved to a slug."""

    modules: list[ModuleRecord]
    aliases: dict[str, str]
    edges: list[tuple[str, str]]
    warnings: list[str]
    source: str
    fingerprint: str
    # The file and line of the entry behind each (module, prerequisite) edge.
    edge_sources: dict[tuple[str, str], str] = field(default_factory=dict)

    def module(self, slug: str) -> ModuleRecord:
        for record in self.modules:
            if record.slug == slug:
                return record
        raise KeyError(slug)


def strip_number(name: str) -> tuple[int | None, str]:
    """Split ``"10_compression"`` into ``(10, "compression")``."""
    match = _NUMBER_PREFIX.match(name)
    if match:
        return int(match.group(1)), match.group(2)
    return None, name


def parse_difficulty(value: Any) -> int | None:
    """Return a difficulty from 1 to 5 from a number or a string of stars.

    Raises ValueError for anything else.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError(f"{value!r} is not a difficulty")
    if isinstance(value, (int, float)):
        number = int(value)
    elif isinstance(value, str):
        stars = sum(value.count(star) for star in _STARS)
        if stars:
            number = stars
        elif value.strip().isdigit():
            number = int(value.strip())
        else:
            raise ValueError(f"{value!r} has no stars and is not a number")
    else:
        raise TypeError(f"{value!r} is not a number or a string of stars")
    if not 1 <= number <= 5:
        raise ValueError(f"{value!r} is outside the range 1 to 5")
    return number


def parse_hours(value: Any) -> tuple[float | None, float | None]:
    """Return the (low, high) hours of a time estimate, or (None, None).

    ``"4-6 hours"`` is (4, 6), ``"8 hours"`` is (8, 8), ``"90 minutes"`` is
    (1.5, 1.5), a plain number is hours, and a text with no digit is no
    estimate. Raises ValueError for anything else that has a digit (a
    reversed range, a negative time, an exponent, a unit other than hours or
    minutes) and TypeError for a value that is neither text nor a number.
    """
    if value is None:
        return None, None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"{type(value).__name__} {value!r} is not text or a number")
    if not isinstance(value, str):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        if value < 0:
            raise ValueError(f"a time cannot be negative, and {value!r} is")
        return float(value), float(value)
    text = value.strip()
    if not any(character.isdigit() for character in text):
        return None, None
    match = _ESTIMATE.fullmatch(text)
    if match is None:
        raise ValueError(_estimate_problem(text))
    low = float(match.group(1))
    high = float(match.group(2)) if match.group(2) is not None else low
    unit = (match.group(3) or "hours").lower()
    if unit in _MINUTE_UNITS:
        low, high = low / 60, high / 60
    elif unit not in _HOUR_UNITS:
        raise ValueError(f"'{match.group(3)}' is not a unit of hours or minutes")
    if low > high:
        raise ValueError(
            f"the range {match.group(1)}-{match.group(2)} runs backwards, so write "
            "the smaller number first"
        )
    return low, high


def _estimate_problem(text: str) -> str:
    if re.search(r"\d[eE][-+]?\d", text):
        return "exponent notation is not a time estimate"
    if re.match(r"^[-−]\s*\d", text) or re.search(r"(?:^|\s)[-−]\d", text):
        return "a time cannot be negative"
    return "it is not a number or range followed by hours or minutes"


def _check_length(where: str, field_name: str, value: str, limit: int | None) -> None:
    if limit is not None and len(value) > limit:
        raise MetadataError(
            f"{where}: {field_name} {value[:40]!r}... is {len(value)} characters long, "
            f"but the database stores at most {limit}. Shorten it."
        )


def _value_node(node: yaml.Node, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if getattr(key_node, "value", None) == key:
            return value_node
    return None


def _line(node: yaml.Node | None, default: int = 1) -> int:
    return node.start_mark.line + 1 if node is not None else default


def _load_yaml(path: Path, label: str) -> tuple[Any, yaml.Node | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise MetadataError(f"{label}: the file is not valid UTF-8 ({err.reason}).")
    except OSError as err:
        raise MetadataError(f"{label}: cannot read the file: {err.strerror}.")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        problem = err.problem or "invalid YAML"
        raise MetadataError(
            f"{label}:{line}: invalid YAML: {problem}. Fix the syntax on that line."
        )
    except yaml.YAMLError as err:
        raise MetadataError(f"{label}: invalid YAML: {err}.")
    finally:
        loader.dispose()
    return data, node


def _references(
    value: Any, node: yaml.Node | None, label: str, key: str
) -> list[Reference]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
        items: list[Any] = [node]
    elif isinstance(value, list):
        items = list(node.value) if isinstance(node, yaml.SequenceNode) else []
    else:
        raise MetadataError(
            f"{label}:{_line(node)}: '{key}' must be a list of module names, "
            f"not {type(value).__name__}."
        )
    references = []
    for index, name in enumerate(value):
        item_node = items[index] if index < len(items) else node
        if not isinstance(name, (str, int)) or isinstance(name, bool):
            raise MetadataError(
                f"{label}:{_line(item_node)}: every entry of '{key}' must be a "
                f"module name, not {name!r}."
            )
        references.append(Reference(str(name).strip(), label, _line(item_node)))
    return references


def _dependencies(
    data: dict[str, Any], root: yaml.Node | None, label: str
) -> tuple[list[Reference], list[Reference]]:
    prerequisites = _references(
        data.get("prerequisites"),
        _value_node(root, "prerequisites") if root else None,
        label,
        "prerequisites",
    )
    enables = _references(
        data.get("enables"),
        _value_node(root, "enables") if root else None,
        label,
        "enables",
    )
    dependencies = data.get("dependencies")
    node = _value_node(root, "dependencies") if root else None
    if dependencies is None:
        pass
    elif isinstance(dependencies, list):
        prerequisites += _references(dependencies, node, label, "dependencies")
    elif isinstance(dependencies, dict):
        unknown = sorted(set(dependencies) - {"prerequisites", "enables"})
        if unknown:
            raise MetadataError(
                f"{label}:{_line(node)}: 'dependencies' has unknown keys "
                f"{', '.join(map(repr, unknown))}; use 'prerequisites' and 'enables'."
            )
        for key, target in (("prerequisites", prerequisites), ("enables", enables)):
            target += _references(
                dependencies.get(key),
                _value_node(node, key) if node else None,
                label,
                f"dependencies.{key}",
            )
    else:
        raise MetadataError(
            f"{label}:{_line(node)}: 'dependencies' must be a list of prerequisites "
            "or a mapping with 'prerequisites' and 'enables'."
        )
    return prerequisites, enables


def _components(value: Any, node: yaml.Node | None, label: str) -> list[Component]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MetadataError(
            f"{label}:{_line(node)}: 'components' must be a list of names or of "
            "mappings with a 'name'."
        )
    items = list(node.value) if isinstance(node, yaml.SequenceNode) else []
    components = []
    for index, item in enumerate(value):
        item_line = _line(items[index] if index < len(items) else node)
        where = f"{label}:{item_line}"
        if isinstance(item, str) and item.strip():
            _check_length(where, "component name", item.strip(), MAX_COMPONENT_NAME)
            components.append(Component(item.strip()))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            kind = item.get("kind", item.get("type"))
            description = item.get("description")
            component = Component(
                item["name"].strip(),
                str(kind) if kind is not None else None,
                str(description).strip() if description is not None else None,
            )
            _check_length(where, "component name", component.name, MAX_COMPONENT_NAME)
            if component.kind is not None:
                _check_length(
                    where, "component type", component.kind, MAX_COMPONENT_KIND
                )
            components.append(component)
        else:
            raise MetadataError(
                f"{label}:{item_line}: component {item!r} needs a name: write a "
                "string or a mapping with a 'name' key."
            )
    return components


def read_module_file(
    path: Path, label: str | None = None, warnings: list[str] | None = None
) -> ModuleRecord:
    """Read one `module.yaml` into a `ModuleRecord`.

    ``label`` is how messages name the file (default: the path). Problems that
    do not stop the read are appended to ``warnings``.
    """
    label = label or str(path)
    warnings = warnings if warnings is not None else []
    data, root = _load_yaml(path, label)
    if data is None:
        raise MetadataError(
            f"{label}: the file is empty. Write a mapping with at least a 'name' key."
        )
    if not isinstance(data, dict):
        raise MetadataError(
            f"{label}:{_line(root)}: expected a mapping of keys such as 'name' and "
            f"'prerequisites', found {type(data).__name__}."
        )
    raw_name = data.get("name")
    name_line = _line(_value_node(root, "name") if root else None)
    if raw_name is None or (isinstance(raw_name, str) and not raw_name.strip()):
        raise MetadataError(
            f"{label}:{name_line}: the 'name' key is missing. Add the module's "
            "short name, such as 'name: tensor'."
        )
    name_number, slug = strip_number(str(raw_name).strip())
    if not _SLUG.match(slug):
        raise MetadataError(
            f"{label}:{name_line}: name {raw_name!r} is not a plain slug. Use lower-"
            "case letters, digits and underscores, starting with a letter."
        )
    _check_length(f"{label}:{name_line}", "name", slug, MAX_SLUG)

    number = _module_number(data, path, name_number, label, root)

    difficulty_node = _value_node(root, "difficulty") if root else None
    try:
        difficulty = parse_difficulty(data.get("difficulty"))
    except (TypeError, ValueError) as err:
        raise MetadataError(
            f"{label}:{_line(difficulty_node)}: invalid difficulty: {err}. Use a "
            "number from 1 to 5 or that many stars."
        )

    # A text with no number, such as "Capstone Project", is a valid way to say
    # that the module has no estimate, so it is not a warning.
    estimate = data.get("time_estimate")
    try:
        low, high = parse_hours(estimate)
    except (TypeError, ValueError) as err:
        line = _line(_value_node(root, "time_estimate") if root else None)
        raise MetadataError(
            f"{label}:{line}: invalid time_estimate {estimate!r}: {err}. Write "
            'hours or minutes such as "4-6 hours", "8 hours" or "30 minutes", '
            "or text without digits for no estimate."
        )

    layer = data.get("layer")
    if layer is not None and layer not in LAYERS:
        line = _line(_value_node(root, "layer") if root else None)
        warnings.append(
            f"{label}:{line}: unknown layer {layer!r}; expected one of "
            f"{', '.join(LAYERS)}. The module has no layer."
        )
        layer = None

    aliases_value = data.get("aliases") or []
    aliases_node = _value_node(root, "aliases") if root else None
    if isinstance(aliases_value, str):
        aliases_value = [aliases_value]
    if not isinstance(aliases_value, list) or not all(
        isinstance(alias, (str, int)) and not isinstance(alias, bool)
        for alias in aliases_value
    ):
        raise MetadataError(
            f"{label}:{_line(aliases_node)}: 'aliases' must be a list of names."
        )
    alias_nodes = (
        list(aliases_node.value) if isinstance(aliases_node, yaml.SequenceNode) else []
    )
    alias_lines = [
        _line(alias_nodes[index] if index < len(alias_nodes) else aliases_node)
        for index in range(len(aliases_value))
    ]
    for alias, line in zip(aliases_value, alias_lines):
        _check_length(f"{label}:{line}", "alias", str(alias).strip(), MAX_ALIAS)

    prerequisites, enables = _dependencies(data, root, label)
    components = _components(
        data.get("components"),
        _value_node(root, "components") if root else None,
        label,
    )
    title = data.get("title")
    if title:
        title_line = _line(_value_node(root, "title") if root else None)
        _check_length(f"{label}:{title_line}", "title", str(title).strip(), MAX_TITLE)
    if estimate is not None:
        estimate_line = _line(_value_node(root, "time_estimate") if root else None)
        _check_length(
            f"{label}:{estimate_line}", "time_estimate", str(estimate), MAX_ESTIMATE
        )
    description = data.get("description")
    return ModuleRecord(
        slug=slug,
        number=number,
        title=str(title).strip() if title else slug.replace("_", " ").title(),
        description=" ".join(str(description).split()) if description else "",
        difficulty=difficulty,
        hours_low=low,
        hours_high=high,
        time_estimate=str(estimate) if estimate is not None else None,
        layer=layer,
        source=label,
        aliases=[str(alias).strip() for alias in aliases_value],
        alias_lines=alias_lines,
        number_line=(
            _line(_value_node(root, "number"))
            if root is not None and data.get("number") is not None
            else None
        ),
        prerequisites=prerequisites,
        enables=enables,
        components=components,
    )


def _module_number(
    data: dict[str, Any],
    path: Path,
    name_number: int | None,
    label: str,
    root: yaml.Node | None,
) -> int | None:
    # An explicit key wins, then the folder's prefix (the course's current
    # numbering), then a prefix on the name, which older files keep stale.
    explicit = data.get("number")
    if explicit is not None:
        if isinstance(explicit, bool) or not isinstance(explicit, int):
            line = _line(_value_node(root, "number") if root else None)
            raise MetadataError(
                f"{label}:{line}: 'number' must be a whole number, not {explicit!r}."
            )
        return explicit
    folder_number, _ = strip_number(path.parent.name)
    if folder_number is not None:
        return folder_number
    return name_number


def find_module_files(directory: Path) -> list[Path]:
    """Return the metadata files of a catalog folder, one per module folder."""
    if not directory.is_dir():
        raise MetadataError(
            f"{directory}: not a folder. Give the folder that contains one "
            "sub-folder per module, each with a module.yaml."
        )
    files = metadata_files(directory)
    if not files:
        raise MetadataError(
            f"{directory}: no module.yaml found in any sub-folder. Give the folder "
            "that contains one sub-folder per module."
        )
    return files


def did_you_mean(name: str, candidates: list[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest candidate, or ``""``.

    The numeric prefix is ignored, so ``04_netwrks`` suggests ``networks``.
    """
    _, bare = strip_number(name.strip().casefold())
    matches = difflib.get_close_matches(bare, candidates, n=1, cutoff=0.7)
    return f" Did you mean '{matches[0]}'?" if matches else ""


def _where(record: ModuleRecord, line: int | None) -> str:
    return f"{record.source}:{line}" if line is not None else record.source


def _number_problems(records: list[ModuleRecord]) -> tuple[list[str], set[str]]:
    """Return a problem per module whose number another module has, and their slugs."""
    first: dict[int, ModuleRecord] = {}
    problems = []
    duplicated = set()
    for record in records:
        if record.number is None:
            continue
        owner = first.setdefault(record.number, record)
        if owner is record:
            continue
        duplicated.add(record.slug)
        problems.append(
            f"{_where(record, record.number_line)}: module number "
            f"{record.number:02d} of '{record.slug}' is also the number of "
            f"'{owner.slug}' ({_where(owner, owner.number_line)}). Give each module "
            "its own number, in its folder prefix or its 'number' key."
        )
    return problems, duplicated


def _alias_table(records: list[ModuleRecord], directory: Path) -> dict[str, str]:
    """Map every name of every module (casefolded) to its slug.

    A name is the slug, the number (``02``), the numbered name (``02_tensor``),
    an alias or the folder. Two modules that share a name are an error, so a
    name on the command line never picks one of them silently.
    """
    aliases: dict[str, str] = {}
    claims: dict[str, str] = {}
    problems, duplicated = _number_problems(records)
    numbers = {r.number: r for r in records if r.number is not None}
    slugs = {r.slug: r for r in records}

    def claim(name: str, record: ModuleRecord, description: str, where: str) -> bool:
        key = name.casefold()
        if MAX_ALIAS is not None and key != record.slug and len(key) > MAX_ALIAS:
            problems.append(
                f"{where}: {description} of '{record.slug}' is {len(key)} characters "
                f"long, but the database stores names of at most {MAX_ALIAS}. "
                "Shorten it."
            )
            return False
        owner = aliases.get(key)
        if owner is None:
            aliases[key] = record.slug
            claims[key] = f"{description} of '{record.slug}' ({where})"
        elif owner != record.slug:
            problems.append(
                f"{where}: {description} of '{record.slug}' is already the "
                f"{claims[key]}. Rename one of them so that each name means one "
                "module."
            )
            return False
        return True

    for record in records:
        claim(record.slug, record, f"name '{record.slug}'", record.source)
    for record in records:
        if record.number is None or record.slug in duplicated:
            continue
        where = _where(record, record.number_line)
        number = f"{record.number:02d}"
        claim(number, record, f"number {number}", where)
        claim(
            f"{number}_{record.slug}", record, f"name '{number}_{record.slug}'", where
        )
    for record in records:
        for alias, line in zip(record.aliases, record.alias_lines):
            where = _where(record, line)
            if not claim(alias, record, f"alias '{alias}'", where):
                continue
            other = _numbered_owner(alias, numbers, slugs)
            if other is not None and other.slug != record.slug:
                problems.append(
                    f"{where}: alias '{alias}' of '{record.slug}' reads as the "
                    f"number or numbered name of '{other.slug}' ({other.source}). "
                    "Rename the alias so that each name means one module."
                )
    for record in records:
        folder = Path(record.source).parent.name
        if folder:
            claim(folder, record, f"folder '{folder}'", record.source)
    if problems:
        raise MetadataError(
            f"{directory}: {len(problems)} conflicting "
            + ("name." if len(problems) == 1 else "names."),
            problems=problems,
        )
    return aliases


def _numbered_owner(
    alias: str,
    numbers: dict[int, ModuleRecord],
    slugs: dict[str, ModuleRecord],
) -> ModuleRecord | None:
    """Return the module that an alias such as ``2`` or ``07_b`` would also name.

    The command line reads digits as a module number and drops a numeric
    prefix from a name, so ``07_b`` can mean module ``b`` whatever its number.
    """
    key = alias.strip().casefold()
    if key.isdigit():
        return numbers.get(int(key))
    number, bare = strip_number(key)
    return slugs.get(bare) if number is not None else None


def resolve_name(name: str, aliases: dict[str, str]) -> str | None:
    """Return the slug a name refers to, or None.

    A name resolves as written (slug, alias or numbered form), then without its
    numeric prefix, because older files carry stale numbers (``04_networks``).
    """
    key = name.strip().casefold()
    if key in aliases:
        return aliases[key]
    _, bare = strip_number(key)
    return aliases.get(bare)


def read_catalog(directory: Path, strict: bool = False) -> Catalog:
    """Read, validate and resolve every module of a catalog folder.

    Unresolved references are warnings and their edges are dropped; with
    ``strict`` every warning is an error. Raises `MetadataError` listing every
    problem found. Cycles are checked by `tracker.graph.check_acyclic`.
    """
    directory = Path(directory)
    files = find_module_files(directory)
    warnings: list[str] = []
    problems: list[str] = []
    records: list[ModuleRecord] = []
    for path in files:
        label = str(directory / path.relative_to(directory))
        try:
            record = read_module_file(path, label, warnings)
            record.path = path.relative_to(directory).as_posix()
            records.append(record)
        except MetadataError as err:
            problems.append(str(err))
    seen: dict[str, ModuleRecord] = {}
    for record in records:
        if record.slug in seen:
            problems.append(
                f"{record.source}: module name '{record.slug}' is also used by "
                f"{seen[record.slug].source}. Each module needs its own name."
            )
        seen[record.slug] = record
    if problems:
        raise _collected(directory, problems)

    aliases = _alias_table(records, directory)
    candidates = sorted(
        {r.slug for r in records} | {a for r in records for a in r.aliases}
    )
    edges: set[tuple[str, str]] = set()
    edge_sources: dict[tuple[str, str], str] = {}
    for record in records:
        for reference, is_prerequisite in [
            *((ref, True) for ref in record.prerequisites),
            *((ref, False) for ref in record.enables),
        ]:
            target = resolve_name(reference.name, aliases)
            relation = "prerequisite" if is_prerequisite else "enabled module"
            if target is None:
                warnings.append(
                    f"{reference.where}: {relation} '{reference.name}' matches no "
                    "module, so this dependency is ignored."
                    + did_you_mean(reference.name, candidates)
                )
                continue
            if target == record.slug:
                warnings.append(
                    f"{reference.where}: module '{record.slug}' lists itself as "
                    f"{relation}; the entry is ignored."
                )
                continue
            edge = (record.slug, target) if is_prerequisite else (target, record.slug)
            edges.add(edge)
            edge_sources.setdefault(edge, reference.where)
    if strict and warnings:
        raise MetadataError(
            f"{directory}: {len(warnings)} "
            f"{'warning' if len(warnings) == 1 else 'warnings'}, and --strict makes every "
            "warning an error.",
            problems=warnings,
        )
    records.sort(key=lambda r: (r.number is None, r.number or 0, r.slug))
    return Catalog(
        modules=records,
        aliases=aliases,
        edges=sorted(edges),
        warnings=warnings,
        source=str(directory),
        fingerprint=fingerprint(directory, files),
        edge_sources=edge_sources,
    )


def _collected(directory: Path, problems: list[str]) -> MetadataError:
    if len(problems) == 1:
        return MetadataError(problems[0])
    return MetadataError(
        f"{directory}: {len(problems)} invalid module files.", problems=problems
    )
