"""The package's import graph: no cycles, and the lower layers never import the upper ones.

Every `import` counts, wherever it is written: at the top, inside a function (a lazy import is
still a dependency) and under `TYPE_CHECKING`. Importing `a.b.c` also runs `a/__init__.py` and
`a/b/__init__.py`; those implicit edges are left out, as Python resolves them without a cycle.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import mailcheck

PACKAGE_DIR = Path(mailcheck.__file__).parent

Graph = dict[str, set[str]]

LAYERS: tuple[tuple[str, ...], ...] = (
    ("core",),
    (
        "dnsclient",
        "spf",
        "dkim",
        "dmarc",
        "messages",
        "delivery",
        "http",
        "state",
        "sheet",
        "certs",
        "sla",
        "smtp",
        "tlspolicy",
        "bimi",
    ),
    ("rules",),
    ("output",),
    ("engine", "profiles"),
    ("api",),
    ("commands",),
    ("cli", "__main__"),
)
"""Bottom to top. A module imports from its own layer or the ones below, never above:
shared records (`core`); protocol, storage and sheet code, which knows nothing of rules; the
rules, one module each; the report formats (one module each), which render records and know
nothing of how they are computed; the engine, which runs the rules over sheets and domain lists
and streams findings to the formats, beside the compliance profiles it judges sheets by (they
name rule ids); siblings import each other without a cycle; the Python API, a program's way
in (typed functions over the engine that return the same records, naming its keyword
arguments, never a command-line option); one module per command, the only code that knows
the options; the wiring."""

ENTRY_POINTS = {"__init__.py", "__main__.py", "cli.py", "py.typed"}
"""All the package root holds beside the layer folders."""

# --- the graph -------------------------------------------------------------------------------


def module_files(package_dir: Path) -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by its own name)."""
    root = package_dir.parent
    found = {}
    for path in package_dir.rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported_names(module: str, path: Path) -> Iterator[str]:
    """The dotted names an `import` anywhere in the module refers to, relative ones resolved;
    for `from a import b` both `a` and `a.b` (`b` may be a module or a name in `a`)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def owning_module(name: str, modules: Mapping[str, Path]) -> str | None:
    """The module a dotted name lives in: the longest known prefix."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(package_dir: Path) -> Graph:
    modules = module_files(package_dir)
    graph: Graph = {}
    for module, path in modules.items():
        targets = (owning_module(name, modules) for name in imported_names(module, path))
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def package_graph() -> Graph:
    """The package's graph with the registry's imports, which `importlib` makes by file name:
    `mailcheck.rules` imports every rule module it finds."""
    from mailcheck.rules import rule_modules

    graph = import_graph(PACKAGE_DIR)
    graph["mailcheck.rules"] |= {f"mailcheck.rules.{name}" for name in rule_modules()}
    return graph


# --- cycles ----------------------------------------------------------------------------------


def find_cycle(graph: Graph) -> list[str] | None:
    """One import cycle as a path that returns to its start (`a, b, a`), or None."""
    done: set[str] = set()
    for start in sorted(graph):
        cycle = _cycle_from(graph, start, done)
        if cycle:
            return cycle
    return None


def _cycle_from(graph: Graph, start: str, done: set[str]) -> list[str] | None:
    """Depth-first from `start` without recursion (the graph has a hundred modules or more);
    `path` is the chain of modules being visited, so an edge back into it closes a cycle."""
    if start in done:
        return None
    path, on_path = [start], {start}
    stack = [(start, iter(sorted(graph[start])))]
    while stack:
        module, targets = stack[-1]
        target = next(targets, None)
        if target is None:
            stack.pop()
            path.pop()
            on_path.discard(module)
            done.add(module)
        elif target in on_path:
            return [*path[path.index(target) :], target]
        elif target not in done:
            path.append(target)
            on_path.add(target)
            stack.append((target, iter(sorted(graph[target]))))
    return None


def layer_violations(graph: Graph) -> list[str]:
    """`lower -> upper` for each import from a module into a layer above its own."""
    return [
        f"{module} -> {target}"
        for module, targets in sorted(graph.items())
        for target in sorted(targets)
        if _rank(target) > _rank(module)
    ]


def _layer(module: str) -> str:
    """The first name below the package: `mailcheck.spf.tree` -> `spf`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _rank(module: str) -> int:
    """The height of a module's layer; the package itself (`mailcheck`) is the bottom."""
    layer = _layer(module)
    if not layer:
        return 0
    for rank, names in enumerate(LAYERS):
        if layer in names:
            return rank
    raise AssertionError(f"{module} is in no layer: add its folder to LAYERS")


# --- the package -----------------------------------------------------------------------------


def test_the_package_has_no_import_cycle() -> None:
    cycle = find_cycle(package_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_lower_packages_do_not_import_upper_layers() -> None:
    violations = layer_violations(package_graph())
    assert not violations, "imports against the layers:\n" + "\n".join(violations)


def test_the_graph_sees_the_package_as_it_is() -> None:
    """Guards the check itself: a graph that missed imports would find no cycle either."""
    graph = package_graph()
    assert "mailcheck.rules.sender_mx" in graph["mailcheck.rules"]
    assert "mailcheck.engine.checker" in graph["mailcheck.engine.runner"]


def test_only_the_dns_layer_uses_dnspython() -> None:
    """dnspython's objects stay inside `dnsclient/`: everything else reads our own records."""
    users = {
        module
        for module, path in module_files(PACKAGE_DIR).items()
        if _layer(module) != "dnsclient"
        and any(name == "dns" or name.startswith("dns.") for name in imported_names(module, path))
    }
    assert not users, f"modules importing dnspython outside dnsclient/: {sorted(users)}"


def option_names(path: Path) -> list[str]:
    """The command-line options (`--mail-from`) that a module's strings other than its
    docstrings name: what it could put in a message or an error's key."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    prose = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        match
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose
        for match in OPTION.findall(node.value)
    ]


OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def test_the_engine_and_the_api_name_no_command_line_option() -> None:
    """Options are the commands' own: the engine's input errors name what it was given (a
    sheet field, a column), and a command checks its options first, naming them; the API's
    errors name its keyword arguments (a program has no `--select`)."""
    named = {
        module: names
        for module, path in module_files(PACKAGE_DIR).items()
        if _layer(module) in ("engine", "api") and (names := option_names(path))
    }
    assert not named, f"engine and API modules naming command-line options: {named}"


def test_every_layer_named_exists() -> None:
    """A module moved or renamed must be moved in the lists above too, or it goes unchecked."""
    layers = {_layer(module) for module in import_graph(PACKAGE_DIR)} - {""}
    named = {name for names in LAYERS for name in names}
    assert not named - layers, f"not in the package: {sorted(named - layers)}"
    assert not layers - named, f"in no layer: {sorted(layers - named)}"


def test_every_layer_folder_says_what_it_holds() -> None:
    """Each layer folder is a package whose `__init__.py` has a docstring: what a newcomer
    reads first."""
    folders = {path for path in PACKAGE_DIR.iterdir() if path.is_dir() and any(path.glob("*.py"))}
    silent = sorted(
        folder.name
        for folder in folders
        if not (folder / "__init__.py").is_file()
        or ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
        is None
    )
    assert not silent, f"layer folders without an __init__.py docstring: {silent}"


def test_the_package_root_holds_only_entry_points_and_layers() -> None:
    loose = {
        path.name
        for path in PACKAGE_DIR.iterdir()
        if path.is_file() and path.name not in ENTRY_POINTS and path.suffix != ".pyc"
    }
    assert not loose, f"modules at the package root, move them into a layer: {sorted(loose)}"


# --- names -----------------------------------------------------------------------------------

CAP_WORDS = re.compile(r"[A-Z]\w*[a-z]\w*")
"""A type's name (`NodeState`, `Record`), not a constant's (`MAX_LOOKUPS`) or a type
variable's (`T`)."""


def type_names(path: Path) -> Iterator[str]:
    """The public types a module defines at its top level: classes, and type aliases and type
    variables (`Record = AddressRecord | MX | ...`, `Wanted = TypeVar(...)`). Private names
    (`_Model`) stay in their module and may repeat."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef):
            name = node.name
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            name = target.id if isinstance(target, ast.Name) else ""
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name = node.target.id
        else:
            continue
        if CAP_WORDS.fullmatch(name):
            yield name


def names_defined_twice(package_dir: Path) -> dict[str, list[str]]:
    """Each type name that more than one module defines, with those modules."""
    where: dict[str, list[str]] = {}
    for module, path in sorted(module_files(package_dir).items()):
        for name in type_names(path):
            where.setdefault(name, []).append(module)
    return {name: modules for name, modules in where.items() if len(modules) > 1}


def module_names_used_twice(package_dir: Path) -> dict[str, list[str]]:
    """Each module file name (`schema.py`) found in more than one folder, `__init__.py` aside."""
    where: dict[str, list[str]] = {}
    for module, path in sorted(module_files(package_dir).items()):
        if path.name != "__init__.py":
            where.setdefault(path.name, []).append(module)
    return {name: modules for name, modules in where.items() if len(modules) > 1}


def test_no_two_modules_define_a_type_of_the_same_name() -> None:
    """One name, one meaning: `Row` of a delivery report and `Row` of the deadlines table are
    `ReportRow` and `DeadlineRow`; a type two modules need is defined once and imported."""
    twice = names_defined_twice(PACKAGE_DIR)
    assert not twice, f"types defined under one name in several modules: {twice}"


def test_no_two_modules_share_a_file_name() -> None:
    """Two `schema.py` (SQLite migrations, the JSON Schema command) would read as one thing: each
    module's file name says what it holds without its folder."""
    twice = module_names_used_twice(PACKAGE_DIR)
    assert not twice, f"module names used in several folders: {twice}"


# --- the checker on small packages -----------------------------------------------------------


def write_package(root: Path, files: Mapping[str, str]) -> Path:
    """A package `pkg` under `root` with the given modules (`name` or `sub/name`) and text."""
    package = root / "pkg"
    for name, text in {"__init__": "", **files}.items():
        path = package / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        (path.parent / "__init__.py").touch()
    return package


def test_an_import_inside_a_function_closes_a_cycle(tmp_path: Path) -> None:
    package = write_package(
        tmp_path,
        {
            "low": "def f():\n    from pkg.high import g\n",
            "high": "from pkg import low\n",
        },
    )
    assert find_cycle(import_graph(package)) == ["pkg.high", "pkg.low", "pkg.high"]


def test_relative_and_type_checking_imports_count(tmp_path: Path) -> None:
    package = write_package(
        tmp_path,
        {
            "sub/a": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..b import B\n",
            "b": "from .sub import a\n",
        },
    )
    assert find_cycle(import_graph(package)) == ["pkg.b", "pkg.sub.a", "pkg.b"]


def test_a_package_without_cycles_passes(tmp_path: Path) -> None:
    package = write_package(tmp_path, {"a": "import pkg.b\n", "b": "import os\n"})
    graph = import_graph(package)
    assert graph["pkg.a"] == {"pkg.b"}
    assert find_cycle(graph) is None


def test_a_lower_package_importing_an_upper_layer_is_named() -> None:
    graph: Graph = {"mailcheck.spf.tree": {"mailcheck.rules.base", "mailcheck.core.findings"}}
    assert layer_violations(graph) == ["mailcheck.spf.tree -> mailcheck.rules.base"]


def test_a_type_name_in_two_modules_is_named(tmp_path: Path) -> None:
    package = write_package(
        tmp_path,
        {
            "a": "class Row:\n    pass\n\n\nclass _Private:\n    pass\n",
            "sub/b": "Row = tuple[int, str]\nLIMIT = 3\n_Private = int\n",
            "sub/c": "from pkg.a import Row\nMAX_ROWS = 3\nLIMIT = 4\n",
        },
    )
    assert names_defined_twice(package) == {"Row": ["pkg.a", "pkg.sub.b"]}


def test_a_module_name_in_two_folders_is_named(tmp_path: Path) -> None:
    package = write_package(tmp_path, {"schema": "", "sub/schema": "", "sub/other": ""})
    assert module_names_used_twice(package) == {"schema.py": ["pkg.schema", "pkg.sub.schema"]}


def test_an_option_in_a_message_is_found_and_one_in_a_docstring_is_not(tmp_path: Path) -> None:
    package = write_package(
        tmp_path,
        {
            "m": '"""Read with `--from-file`."""\n'
            'def f():\n    """`--select`."""\n    raise ValueError("give --mail-from", "x--y")\n'
        },
    )
    assert option_names(package / "m.py") == ["--mail-from"]
