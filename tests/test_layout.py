"""The layout of docs/architecture.md, checked: no import cycle in fenji/, no module outside
fenji/systems/ that names a system or branches on one, every built-in system a folder with its
profiles and templates, and every registered system complete."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from fenji.systems import SYSTEMS, System, builtin_names, load_profile, templates_of

PACKAGE = Path(__file__).resolve().parent.parent / "fenji"
SYSTEM_NAMES = {system.name for system in SYSTEMS} | {name for system in SYSTEMS for name in system.profiles}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_lines(tree: ast.Module) -> set[int]:
    """Lines inside `if TYPE_CHECKING:` blocks: annotations only, never imported at run time."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(name: str) -> set[str]:
    """The fenji modules `name` imports, at module level or inside functions (lazy imports count)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    skipped, found = _type_checking_lines(tree), set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in MODULES}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fenji"):
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in MODULES else node.module)
    return found - {name}


def cycles() -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan), each sorted."""
    graph = {name: imports_of(name) & set(MODULES) for name in MODULES}
    index, low, stack, on_stack, groups, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for name in graph:
        if name not in index:
            visit(name)
    return groups


def test_no_import_cycle():
    assert cycles() == []


def _shared_modules():
    return [name for name in MODULES if not name.startswith("fenji.systems")]


def _docstring_nodes(tree: ast.Module) -> set[int]:
    nodes = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                nodes.add(id(body[0].value))
    return nodes


@pytest.mark.parametrize("name", _shared_modules())
def test_no_shared_module_names_or_branches_on_a_system(name: str):
    """Outside fenji/systems/: no string that is a system's or a built-in profile's name, no
    identifier that contains one (`score_dingji`, `STAR_SYSTEMS`), no look at `profile.system`
    except to ask the registry, and no import of one system's package."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    docstrings, found = _docstring_nodes(tree), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if node.value.strip() in SYSTEM_NAMES:
                found.append(f"line {node.lineno}: string {node.value!r}")
        elif isinstance(node, (ast.Name, ast.FunctionDef, ast.ClassDef, ast.Attribute, ast.arg)):
            ident = getattr(node, "id", None) or getattr(node, "name", None) or getattr(node, "attr", None) or node.arg
            if any(system in ident.lower() for system in SYSTEM_NAMES) or ident.endswith("_SYSTEMS"):
                found.append(f"line {node.lineno}: name {ident}")
    for imported in imports_of(name):
        if imported.startswith("fenji.systems."):
            found.append(f"imports {imported}")
    assert found == []


def test_each_system_is_one_folder_with_its_profiles_and_templates():
    for system in SYSTEMS:
        folder = PACKAGE / "systems" / system.package.rsplit(".", 1)[-1]
        assert (folder / "__init__.py").is_file() and templates_of(system).is_dir()
        for name in system.profiles:
            assert (folder / f"{name}.toml").is_file()
            assert load_profile(name).system == system.name
    assert builtin_names() == [name for system in SYSTEMS for name in system.profiles]


def test_every_system_has_every_part_of_the_protocol():
    wanted = {n for n, _ in inspect.getmembers(System) if not n.startswith("_")} | set(System.__annotations__)
    for system in SYSTEMS:
        missing = sorted(n for n in wanted if not hasattr(system, n))
        assert missing == [], system.name


def test_an_installed_copy_has_every_profile_and_template(tmp_path: Path):
    """pip install . (not editable): the system folders' TOML and templates are package data."""
    import subprocess
    import sys

    root = PACKAGE.parent
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            str(root),
            "--target",
            str(tmp_path / "site"),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    probe = (
        "import fenji, jinja2; from fenji.systems import SYSTEMS, builtin_names, load_profile, templates_of;"
        "from fenji.core import render;"
        "print(fenji.__file__); print(','.join(load_profile(n).name for n in builtin_names()));"
        "print(sum(len(render.environment(None, [templates_of(s)]).list_templates()) for s in SYSTEMS))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    where, names, templates = done.stdout.split()
    assert where.startswith(str(tmp_path / "site")) and names.split(",") == builtin_names()
    shipped = sum(len(render_environment_for(s).list_templates()) for s in SYSTEMS)
    assert int(templates) == shipped


def render_environment_for(system):
    from fenji.core import render

    return render.environment(None, [templates_of(system)])


def test_no_system_imports_another():
    """A system folder is self-contained: what two systems share lives in core/, forms/ or grading/."""
    crossing = []
    for name in MODULES:
        if name.startswith("fenji.systems.") and name.count(".") >= 2:
            own = name.split(".")[2]
            crossing += [
                f"{name} → {m}" for m in imports_of(name) if m.startswith("fenji.systems.") and m.split(".")[2] != own
            ]
    assert crossing == []
