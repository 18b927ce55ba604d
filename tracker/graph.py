"""The prerequisite graph: cycles, learning path, levels and critical path.

Edges point from a prerequisite to the module that needs it, so a path in the
graph is an order in which the modules can be learned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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


def check_acyclic(graph: nx.DiGraph, sources: Mapping[str, str] | None = None) -> None:
    """Raise `MetadataError` naming one prerequisite cycle, if there is one.

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
    if sources:
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

    Examples
    --------
    >>> g = build_graph({"a": 0, "b": 1, "c": 2}, [("c", "a"), ("c", "b")])
    >>> critical_path(g, {"a": 1, "b": 3, "c": 2})
    (['b', 'c'], 5.0)
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
    total, chain = max(best.values(), key=lambda item: item[0])
    return chain, total
