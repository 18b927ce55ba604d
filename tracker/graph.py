"""The prerequisite graph: cycles, learning path, levels and critical path.

Edges point from a prerequisite to the module that needs it, so a path in the
graph is an order in which the modules can be learned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from .errors import MetadataError


def build_graph(
    numbers: Mapping[str, int | None], edges: Iterable[tuple[str, str]]
) -> nx.DiGraph:
    """Build the prerequisite graph from module numbers and (module, prerequisite) edges.

    Examples
    --------
    >>> g = build_graph({"setup": 1, "tensor": 2}, [("tensor", "setup")])
    >>> list(g.edges)
    [('setup', 'tensor')]
    """
    graph = nx.DiGraph()
    for slug, number in numbers.items():
        graph.add_node(slug, number=number)
    for module, prerequisite in edges:
        graph.add_edge(prerequisite, module)
    return graph


def _order_key(graph: nx.DiGraph):  # type: ignore[no-untyped-def]
    def key(slug: str) -> tuple[bool, int, str]:
        number = graph.nodes[slug].get("number")
        return (number is None, number if number is not None else 0, slug)

    return key


def check_acyclic(
    graph: nx.DiGraph,
    sources: Mapping[str, str] | None = None,
    entries: Mapping[tuple[str, str], str] | None = None,
) -> None:
    """Raise `MetadataError` naming one prerequisite cycle, if there is one.

    ``sources`` maps a module to its file. ``entries`` maps a (module,
    prerequisite) pair to the file and line that declares it. When it covers
    the cycle, the message names the line of each entry instead of the files.

    Examples
    --------
    >>> check_acyclic(build_graph({"a": 1, "b": 2}, [("b", "a")]))
    """
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    names = [edge[0] for edge in cycle] + [cycle[0][0]]
    where = ""
    if entries and all((v, u) in entries for u, v, *_ in cycle):
        where = " Entries: " + ", ".join(
            f"{entries[(v, u)]} ({v} needs {u})" for u, v, *_ in cycle
        )
        where += "."
    elif sources:
        files = sorted({sources[name] for name in names if name in sources})
        where = " Files: " + ", ".join(files) + "."
    raise MetadataError(
        "Prerequisite cycle: "
        + " -> ".join(names)
        + ". Each module needs the one before it, so none can be learned first. "
        "Remove one of these prerequisites." + where
    )


def learning_path(graph: nx.DiGraph, goal: str | None = None) -> list[str]:
    """Return a topological order of the modules, ties broken by module number.

    With ``goal``, only the goal and its transitive prerequisites are listed.

    Examples
    --------
    >>> g = build_graph({"setup": 1, "tensor": 2, "data": 8, "act": 3},
    ...                 [("tensor", "setup"), ("data", "setup"), ("act", "tensor")])
    >>> learning_path(g)
    ['setup', 'tensor', 'act', 'data']
    >>> learning_path(g, goal="act")
    ['setup', 'tensor', 'act']
    """
    if goal is not None:
        graph = graph.subgraph(nx.ancestors(graph, goal) | {goal})
    return list(nx.lexicographical_topological_sort(graph, key=_order_key(graph)))


def levels(graph: nx.DiGraph) -> dict[str, int]:
    """Return each module's level: the longest prerequisite chain below it.

    A module with no prerequisites is at level 0.

    Examples
    --------
    >>> g = build_graph({"a": 0, "b": 1, "c": 2}, [("b", "a"), ("c", "a"), ("c", "b")])
    >>> levels(g)
    {'a': 0, 'b': 1, 'c': 2}
    """
    result: dict[str, int] = {}
    for slug in nx.topological_sort(graph):
        result[slug] = max((result[p] + 1 for p in graph.predecessors(slug)), default=0)
    return {slug: result[slug] for slug in learning_path(graph)}


def transitive_prerequisites(graph: nx.DiGraph) -> dict[str, set[str]]:
    """Return every module's set of direct and indirect prerequisites."""
    return {slug: set(nx.ancestors(graph, slug)) for slug in graph.nodes}


def dependant_counts(graph: nx.DiGraph) -> dict[str, int]:
    """Return how many modules need each module, directly or indirectly."""
    return {slug: len(nx.descendants(graph, slug)) for slug in graph.nodes}


def critical_path(
    graph: nx.DiGraph, hours: Mapping[str, float | None]
) -> tuple[list[str], float]:
    """Return the prerequisite chain with the most hours, and its hours.

    Modules without an estimate count as zero hours here. The chain's hours
    are the least time the course can take when modules run in parallel.
    Among chains with equal hours the one with more modules wins.

    Examples
    --------
    >>> g = build_graph({"a": 0, "b": 1, "c": 2}, [("c", "a"), ("c", "b")])
    >>> critical_path(g, {"a": 1, "b": 3, "c": 2})
    (['b', 'c'], 5.0)
    >>> critical_path(g, {"a": 1, "b": 3, "c": None})
    (['b', 'c'], 3.0)
    """
    best: dict[str, tuple[float, list[str]]] = {}
    for slug in learning_path(graph):
        own = float(hours.get(slug) or 0.0)
        before = [best[p] for p in graph.predecessors(slug)]
        # Ties go to the chain through the lower-numbered module, which the
        # learning path already visits first.
        prior = max(before, key=lambda item: item[0], default=(0.0, []))
        best[slug] = (prior[0] + own, prior[1] + [slug])
    if not best:
        return [], 0.0
    # Among chains with equal hours the longer one wins, so a final module
    # without an estimate (such as a capstone) stays on the path.
    total, chain = max(best.values(), key=lambda item: (item[0], len(item[1])))
    return chain, total


def essential_edges(graph: nx.DiGraph) -> list[tuple[str, str]]:
    """Return the (prerequisite, module) edges that no longer chain implies.

    These are the edges of the transitive reduction, in learning order. They
    show the same order as the whole graph with far fewer lines.

    Examples
    --------
    >>> g = build_graph({"a": 0, "b": 1, "c": 2}, [("b", "a"), ("c", "b"), ("c", "a")])
    >>> essential_edges(g)
    [('a', 'b'), ('b', 'c')]
    """
    reduced = nx.transitive_reduction(graph)
    rank = {slug: index for index, slug in enumerate(learning_path(graph))}
    return sorted(reduced.edges, key=lambda edge: (rank[edge[0]], rank[edge[1]]))


# A row item of the layered layout: a module slug, or a bend point given as
# (prerequisite, module, level).
_Item = str | tuple[str, str, int]


@dataclass
class LayeredLayout:
    """Node positions by level, and the bends of edges that skip levels.

    ``positions`` maps each module to (x, y) with y = -level, so prerequisites
    sit above. ``routes`` maps each essential edge to its points from the
    prerequisite to the module, one per level in between.
    """

    positions: dict[str, tuple[float, float]]
    routes: dict[tuple[str, str], list[tuple[float, float]]]


def layered_layout(graph: nx.DiGraph, spacing: float = 1.0) -> LayeredLayout:
    """Place modules in rows by level, each near the middle of its prerequisites.

    Rows are filled from the top. An essential edge that spans several levels
    gets a bend point on each level it crosses. Bend points take part in the
    row ordering like modules, so a long edge runs beside the modules of the
    levels it crosses instead of through them. Within a row, items keep
    at least ``spacing`` apart and sort by the mean x of their parents, ties
    by module number. This is one top-down barycentre pass, which keeps
    crossings low on course-sized graphs but does not minimise them.

    Examples
    --------
    >>> g = build_graph({"a": 0, "b": 1, "c": 2, "d": 3},
    ...                 [("b", "a"), ("c", "a"), ("d", "b"), ("d", "c")])
    >>> layered_layout(g).positions
    {'a': (0.0, 0.0), 'b': (-0.5, -1.0), 'c': (0.5, -1.0), 'd': (0.0, -2.0)}
    """
    depth = levels(graph)
    rows: dict[int, list[_Item]] = defaultdict(list)
    parents: dict[_Item, list[_Item]] = {}
    for slug in depth:
        rows[depth[slug]].append(slug)
        parents[slug] = []
    bends: dict[tuple[str, str], list[tuple[str, str, int]]] = {}
    for source, target in essential_edges(graph):
        chain: list[tuple[str, str, int]] = []
        previous: _Item = source
        for level in range(depth[source] + 1, depth[target]):
            bend = (source, target, level)
            rows[level].append(bend)
            parents[bend] = [previous]
            chain.append(bend)
            previous = bend
        parents[target].append(previous)
        bends[(source, target)] = chain
    x: dict[_Item, float] = {}
    rank = _order_key(graph)
    for level in sorted(rows):
        _place_row(rows[level], parents, x, rank, spacing)
    positions = {slug: (x[slug], float(-depth[slug])) for slug in depth}
    routes = {
        edge: [positions[edge[0]]]
        + [(x[bend], float(-bend[2])) for bend in chain]
        + [positions[edge[1]]]
        for edge, chain in bends.items()
    }
    return LayeredLayout(positions, routes)


def _place_row(
    row: list[_Item],
    parents: dict[_Item, list[_Item]],
    x: dict[_Item, float],
    rank: Callable[[str], tuple[bool, int, str]],
    spacing: float,
) -> None:
    preferred = {}
    for index, item in enumerate(row):
        above = [x[parent] for parent in parents[item]]
        centred = (index - (len(row) - 1) / 2) * spacing
        # Rounded, so that equal means compare equal and ties go by number.
        preferred[item] = round(sum(above) / len(above), 6) if above else centred

    def order(item: _Item) -> tuple[float, bool, tuple[bool, int, str]]:
        is_bend = isinstance(item, tuple)
        module = item[1] if isinstance(item, tuple) else item
        return (preferred[item], is_bend, rank(module))

    ordered = sorted(row, key=order)
    placed: list[float] = []
    for item in ordered:
        lowest = placed[-1] + spacing if placed else preferred[item]
        placed.append(max(preferred[item], lowest))
    # Shift the row back so that, on average, items sit at their preferred x.
    shift = (sum(preferred.values()) - sum(placed)) / len(placed)
    for item, value in zip(ordered, placed):
        # Adding 0.0 turns a -0.0 into 0.0.
        x[item] = round(value + shift, 6) + 0.0
