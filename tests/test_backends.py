"""Every database test is collected once per backend."""

from __future__ import annotations

from collections import defaultdict


def test_database_tests_run_on_both_backends(request):
    backends: dict[str, set[str]] = defaultdict(set)
    for item in request.session.items:
        if "db_url" in item.fixturenames:
            name = item.nodeid.split("[")[0]
            backends[name].add(item.callspec.params["db_url"])
    for name, found in backends.items():
        assert found == {"sqlite", "postgresql"}, name
