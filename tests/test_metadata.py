"""The metadata reader on every shape found in real module.yaml files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.catalog import load_catalog
from tracker.errors import MetadataError
from tracker.metadata import (
    Component,
    parse_difficulty,
    parse_hours,
    read_catalog,
    read_module_file,
)


def write_module(root: Path, folder: str, text: str) -> Path:
    path = root / folder / "module.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("⭐", 1),
        ("⭐⭐⭐", 3),
        ("⭐⭐⭐⭐⭐ 🥷", 5),
        ("★★", 2),
        (4, 4),
        (2.0, 2),
        ("3", 3),
        (None, None),
    ],
)
def test_difficulty_shapes(value, expected):
    assert parse_difficulty(value) == expected


@pytest.mark.parametrize("value", ["hard", 0, 6, "⭐⭐⭐⭐⭐⭐", True, [1]])
def test_difficulty_rejects(value):
    with pytest.raises((TypeError, ValueError)):
        parse_difficulty(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4-6 hours", (4.0, 6.0)),
        ("1-2 hours", (1.0, 2.0)),
        ("8 hours", (8.0, 8.0)),
        ("8-10 hours", (8.0, 10.0)),
        ("3 to 4 hrs", (3.0, 4.0)),
        ("90 minutes", (1.5, 1.5)),
        ("4–6 hours", (4.0, 6.0)),
        ("1.5-2 h", (1.5, 2.0)),
        ("8-10 hours ", (8.0, 10.0)),
        ("30 min", (0.5, 0.5)),
        ("~3 hours", (3.0, 3.0)),
        ("6", (6.0, 6.0)),
        (5, (5.0, 5.0)),
        (2.5, (2.5, 2.5)),
        ("Capstone Project", (None, None)),
        (None, (None, None)),
    ],
)
def test_hours_shapes(value, expected):
    assert parse_hours(value) == expected


@pytest.mark.parametrize(
    ("value", "error", "reason"),
    [
        ("2 days", ValueError, "'days' is not a unit of hours or minutes"),
        ("1 week", ValueError, "'week' is not a unit of hours or minutes"),
        ("1e100 hours", ValueError, "exponent notation is not a time estimate"),
        ("2E3", ValueError, "exponent notation is not a time estimate"),
        ("-5 hours", ValueError, "a time cannot be negative"),
        ("10-2 hours", ValueError, "the range 10-2 runs backwards"),
        ("week 3 project", ValueError, "it is not a number or range followed by"),
        (-5, ValueError, "a time cannot be negative, and -5 is"),
        (float("inf"), ValueError, "inf is not a finite number"),
        ([1, 2], TypeError, "list [1, 2] is not text or a number"),
        ({"low": 1}, TypeError, "dict {'low': 1} is not text or a number"),
        (True, TypeError, "bool True is not text or a number"),
    ],
)
def test_hours_rejects(value, error, reason):
    with pytest.raises(error) as info:
        parse_hours(value)
    assert str(info.value).startswith(reason)


@pytest.mark.parametrize(
    ("estimate", "shown"),
    [('"2 days"', "'2 days'"), ("[1, 2]", "[1, 2]"), ('"10-2 hours"', "'10-2 hours'")],
)
def test_bad_estimate_names_file_and_line(tmp_path, estimate, shown):
    path = write_module(
        tmp_path,
        "02_tensor",
        f"name: tensor\ntitle: Tensor\ntime_estimate: {estimate}\n",
    )
    with pytest.raises(MetadataError) as info:
        read_module_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}:3: invalid time_estimate {shown}: ")
    assert message.endswith(
        'Write hours or minutes such as "4-6 hours", "8 hours" or "30 minutes", '
        "or text without digits for no estimate."
    )


def test_mapping_dependencies_and_string_components(tmp_path):
    path = write_module(
        tmp_path,
        "02_tensor",
        'name: "tensor"\n'
        "dependencies:\n"
        '  prerequisites: ["setup"]\n'
        '  enables: ["activations", "layers"]\n'
        'difficulty: "⭐⭐"\n'
        'time_estimate: "4-6 hours"\n'
        "components:\n"
        '  - "Tensor"\n',
    )
    record = read_module_file(path)
    assert record.slug == "tensor"
    assert record.number == 2
    assert [r.name for r in record.prerequisites] == ["setup"]
    assert [r.name for r in record.enables] == ["activations", "layers"]
    assert record.prerequisites[0].line == 3
    assert record.components == [Component("Tensor")]
    assert (record.hours_low, record.hours_high) == (4.0, 6.0)
    assert record.title == "Tensor"


def test_flat_list_numbered_name_and_mapping_components(tmp_path):
    path = write_module(
        tmp_path,
        "12_compression",
        'name: "10_compression"\n'
        "dependencies:\n"
        '  - "00_setup"\n'
        '  - "09_training"\n'
        "components:\n"
        '  - name: "CompressionMetrics"\n'
        '    description: "Model size analysis"\n'
        '    type: "class"\n',
    )
    record = read_module_file(path)
    assert record.slug == "compression"
    assert record.number == 12
    assert [r.name for r in record.prerequisites] == ["00_setup", "09_training"]
    assert [r.line for r in record.prerequisites] == [3, 4]
    assert record.components == [
        Component("CompressionMetrics", "class", "Model size analysis")
    ]


def test_canonical_shape(tmp_path):
    path = write_module(
        tmp_path,
        "05_dense",
        "name: dense\n"
        "title: Dense Networks\n"
        "layer: networks\n"
        "difficulty: 3\n"
        'time_estimate: "5-6 hours"\n'
        "aliases: [networks]\n"
        "prerequisites: [layers]\n"
        "components:\n"
        "  - name: MLP\n"
        "    kind: class\n",
    )
    record = read_module_file(path)
    assert record.layer == "networks"
    assert record.aliases == ["networks"]
    assert record.difficulty == 3
    assert [r.name for r in record.prerequisites] == ["layers"]
    assert record.components == [Component("MLP", "class", None)]


def test_non_numeric_estimate_is_no_estimate(tmp_path):
    path = write_module(
        tmp_path, "16_capstone", 'name: capstone\ntime_estimate: "Capstone Project"\n'
    )
    record = read_module_file(path)
    assert record.hours_low is None
    assert record.hours_high is None
    assert record.time_estimate == "Capstone Project"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "module.yaml: the file is empty"),
        ("# only a comment\n", "the file is empty"),
        ("- a\n- b\n", "module.yaml:1: expected a mapping"),
        ("title: Tensor\n", "module.yaml:1: the 'name' key is missing"),
        (
            "name: Tensor Module\n",
            "module.yaml:1: name 'Tensor Module' is not a plain slug",
        ),
        ("name: tensor\ndifficulty: hard\n", "module.yaml:2: invalid difficulty"),
        ("name: tensor\ndependencies: 3\n", "module.yaml:2: 'dependencies' must be"),
        ("name: tensor\ncomponents:\n  - {kind: class}\n", "module.yaml:3: component"),
        ("name: [tensor\n", "invalid YAML"),
        ("name: tensor\n  bad: indent\n", "module.yaml:2: invalid YAML"),
    ],
)
def test_invalid_files_name_file_and_line(tmp_path, text, fragment):
    path = write_module(tmp_path, "02_tensor", text)
    with pytest.raises(MetadataError) as info:
        read_module_file(path)
    assert fragment in str(info.value)


def catalog_folder(tmp_path: Path, modules: dict[str, str]) -> Path:
    for folder, text in modules.items():
        write_module(tmp_path / "catalog", folder, text)
    return tmp_path / "catalog"


def test_references_resolve_through_prefixes_and_aliases(tmp_path):
    folder = catalog_folder(
        tmp_path,
        {
            "00_setup": "name: setup\n",
            "01_tensor": "name: tensor\nprerequisites: [00_setup]\n",
            "02_dense": "name: dense\naliases: [networks]\nprerequisites: [tensor]\n",
            "03_training": "name: training\nprerequisites: [04_networks, 7_tensor]\n",
        },
    )
    catalog = read_catalog(folder)
    assert catalog.warnings == []
    assert catalog.edges == [
        ("dense", "tensor"),
        ("tensor", "setup"),
        ("training", "dense"),
        ("training", "tensor"),
    ]


def test_unresolved_reference_warns_and_drops_edge(tmp_path):
    folder = catalog_folder(
        tmp_path,
        {
            "00_setup": "name: setup\n",
            "01_tensor": "name: tensor\nprerequisites:\n  - setup\n  - setpu\n",
        },
    )
    catalog = read_catalog(folder)
    assert catalog.edges == [("tensor", "setup")]
    assert len(catalog.warnings) == 1
    warning = catalog.warnings[0]
    assert "01_tensor/module.yaml:4" in warning
    assert "prerequisite 'setpu' matches no module" in warning
    assert "Did you mean 'setup'?" in warning
    assert {m.slug for m in catalog.modules} == {"setup", "tensor"}


def test_strict_turns_warnings_into_errors(tmp_path):
    folder = catalog_folder(tmp_path, {"00_setup": "name: setup\nenables: [nlp]\n"})
    with pytest.raises(MetadataError) as info:
        read_catalog(folder, strict=True)
    assert "--strict" in str(info.value)
    assert "enabled module 'nlp' matches no module" in info.value.problems[0]


def test_cycle_is_printed(tmp_path):
    folder = catalog_folder(
        tmp_path,
        {
            "00_a": "name: a\nprerequisites: [c]\n",
            "01_b": "name: b\nprerequisites: [a]\n",
            "02_c": "name: c\nprerequisites: [b]\n",
        },
    )
    with pytest.raises(MetadataError) as info:
        load_catalog(folder)
    message = str(info.value)
    assert "Prerequisite cycle:" in message
    assert "a -> b -> c -> a" in message
    assert message.endswith(
        f" Entries: {folder}/01_b/module.yaml:2 (b needs a), "
        f"{folder}/02_c/module.yaml:2 (c needs b), "
        f"{folder}/00_a/module.yaml:2 (a needs c)."
    )


def test_cycle_names_enables_entry_line(tmp_path):
    folder = catalog_folder(
        tmp_path,
        {
            "00_a": "name: a\ntitle: A\ndependencies:\n  enables:\n    - x\n    - b\n",
            "01_b": "name: b\nenables: [a]\n",
        },
    )
    with pytest.raises(MetadataError) as info:
        load_catalog(folder)
    message = str(info.value)
    assert f"{folder}/00_a/module.yaml:6 (b needs a)" in message
    assert f"{folder}/01_b/module.yaml:2 (a needs b)" in message


def test_duplicate_names_are_rejected(tmp_path):
    folder = catalog_folder(
        tmp_path, {"00_setup": "name: setup\n", "01_setup": "name: setup\n"}
    )
    with pytest.raises(MetadataError) as info:
        read_catalog(folder)
    assert "module name 'setup' is also used by" in str(info.value)


def test_alias_conflict_is_rejected(tmp_path):
    folder = catalog_folder(
        tmp_path,
        {"00_setup": "name: setup\naliases: [tensor]\n", "01_tensor": "name: tensor\n"},
    )
    with pytest.raises(MetadataError) as info:
        read_catalog(folder)
    assert info.value.problems == [
        (
            f"{folder}/00_setup/module.yaml:2: alias 'tensor' of 'setup' is already the "
            f"name 'tensor' of 'tensor' ({folder}/01_tensor/module.yaml). Rename one of "
            "them so that each name means one module."
        )
    ]


def test_duplicate_numbers_are_rejected(tmp_path):
    folder = catalog_folder(tmp_path, {"01_a": "name: a\n", "01_b": "name: b\n"})
    with pytest.raises(MetadataError) as info:
        read_catalog(folder)
    assert info.value.problems == [
        (
            f"{folder}/01_b/module.yaml: module number 01 of 'b' is also the number of "
            f"'a' ({folder}/01_a/module.yaml). Give each module its own number, in its "
            "folder prefix or its 'number' key."
        )
    ]


def test_duplicate_number_key_names_lines(tmp_path):
    folder = catalog_folder(
        tmp_path,
        {"a": "name: a\nnumber: 3\n", "b": "title: B\nname: b\nnumber: 3\n"},
    )
    with pytest.raises(MetadataError) as info:
        read_catalog(folder)
    assert info.value.problems == [
        (
            f"{folder}/b/module.yaml:3: module number 03 of 'b' is also the number of "
            f"'a' ({folder}/a/module.yaml:2). Give each module its own number, in its "
            "folder prefix or its 'number' key."
        )
    ]


@pytest.mark.parametrize(
    ("alias", "taken"),
    [
        ("'02'", "number 02 of 'b'"),
        ("02_b", "name '02_b' of 'b'"),
        ("B", "name 'b' of 'b'"),
        ("02_B", "name '02_b' of 'b'"),
    ],
)
def test_alias_taking_another_module_name(tmp_path, alias, taken):
    folder = catalog_folder(
        tmp_path,
        {"01_a": f"name: a\naliases:\n  - old_a\n  - {alias}\n", "02_b": "name: b\n"},
    )
    with pytest.raises(MetadataError) as info:
        read_catalog(folder)
    assert len(info.value.problems) == 1
    problem = info.value.problems[0]
    assert problem.startswith(f"{folder}/01_a/module.yaml:4: alias ")
    assert f"is already the {taken} ({folder}/02_b/module.yaml)" in problem


@pytest.mark.parametrize("alias", ["2", "007_b"])
def test_alias_read_as_another_number(tmp_path, alias):
    folder = catalog_folder(
        tmp_path, {"01_a": f"name: a\naliases: ['{alias}']\n", "02_b": "name: b\n"}
    )
    with pytest.raises(MetadataError) as info:
        read_catalog(folder)
    assert info.value.problems == [
        (
            f"{folder}/01_a/module.yaml:2: alias '{alias}' of 'a' reads as the number or "
            f"numbered name of 'b' ({folder}/02_b/module.yaml). Rename the alias so "
            "that each name means one module."
        )
    ]


def test_alias_claimed_by_two_modules(tmp_path):
    folder = catalog_folder(
        tmp_path,
        {
            "01_a": "name: a\naliases: [old]\n",
            "02_b": "name: b\naliases:\n  - old\n",
        },
    )
    with pytest.raises(MetadataError) as info:
        read_catalog(folder)
    assert info.value.problems == [
        (
            f"{folder}/02_b/module.yaml:3: alias 'old' of 'b' is already the alias 'old' "
            f"of 'a' ({folder}/01_a/module.yaml:2). Rename one of them so that each "
            "name means one module."
        )
    ]


def test_own_numbered_alias_is_accepted(tmp_path):
    folder = catalog_folder(
        tmp_path,
        {"01_a": "name: a\naliases: ['01', 01_a, 05_a]\n", "02_b": "name: b\n"},
    )
    catalog = read_catalog(folder)
    assert catalog.aliases["05_a"] == "a"
    assert catalog.aliases["02"] == "b"


def test_folder_without_modules(tmp_path):
    with pytest.raises(MetadataError) as info:
        read_catalog(tmp_path)
    assert "no module.yaml found" in str(info.value)


def test_bundled_catalog_is_clean():
    catalog = load_catalog(None)
    assert catalog.warnings == []
    assert [m.slug for m in catalog.modules] == [
        "introduction",
        "setup",
        "tensor",
        "activations",
        "layers",
        "dense",
        "spatial",
        "attention",
        "dataloader",
        "autograd",
        "optimizers",
        "training",
        "compression",
        "kernels",
        "benchmarking",
        "mlops",
        "capstone",
    ]
    assert [m.number for m in catalog.modules] == list(range(17))
    assert all(m.layer for m in catalog.modules)
    assert catalog.module("dense").aliases == ["networks"]
    assert catalog.module("spatial").aliases == ["cnn"]
    assert catalog.module("capstone").difficulty == 5
    assert catalog.module("capstone").hours_low is None


def test_upstream_fixture_reads_with_warnings(upstream_catalog):
    catalog = load_catalog(upstream_catalog)
    assert len(catalog.modules) == 17
    unresolved = sorted(w.split("'")[1] for w in catalog.warnings)
    assert unresolved == sorted(
        [
            "networks",
            "networks",
            "computer_vision",
            "transformers",
            "nlp",
            "multimodal",
            "networks",
            "04_networks",
            "04_networks",
            "05_cnn",
            "04_networks",
            "05_cnn",
            "04_networks",
            "05_cnn",
            "networks",
            "cnn",
        ]
    )
    assert catalog.module("compression").number == 12
    assert catalog.module("kernels").number == 13
    assert catalog.module("capstone").difficulty == 5
    assert ("dense", "dataloader") in catalog.edges
    assert ("kernels", "compression") in catalog.edges
