"""The layer rules of DESIGN.md, checked on the real code: the contracts in
pyproject.toml ([tool.importlinter]) by lint-imports, cycles by grimp, and what
importing db and importers really loads."""
import pathlib
import shutil
import subprocess
import sys

import grimp

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("cli", "crm_tui", "importers", "db")
LINT_IMPORTS = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
                "sys.argv[0] = 'lint-imports'; lint_imports_command()", "--no-cache", "--no-logo"]


def test_db_and_importers_load_no_ui_library():
    modules = [p.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
               for folder in ("db", "importers") for p in (ROOT / folder).rglob("*.py")
               if "migrations" not in p.parts and p.name != "__main__.py"]
    code = (f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
            "print(sorted(n for n in ('textual', 'typer', 'rich') if n in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert len(modules) > 10
    assert out.stdout.strip() == "[]"


def lint_imports(root: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run(LINT_IMPORTS, cwd=root, capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def test_the_contracts_in_pyproject_hold():
    """Layers inside db/services, the faces above importers above db, no UI library and
    no Peewee where they do not belong, no cycle in any package."""
    out = lint_imports(ROOT)
    assert "BROKEN" not in out.stdout and out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "Contracts: 6 kept, 0 broken." in out.stdout


def test_the_contracts_catch_an_import_that_points_up(tmp_path):
    """The same contracts on a copy of the code where one service imports the one above it."""
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    common = tmp_path / "db" / "services" / "common.py"
    common.write_text(common.read_text() + "\nfrom db.services import views  # noqa\n")
    out = lint_imports(tmp_path)
    assert out.returncode == 1
    assert "The services in layers: a service imports only the services below it BROKEN" in out.stdout
    assert "No import cycle among the modules of any package BROKEN" in out.stdout
    assert "db.services.common -> db.services.views" in out.stdout


def cycles(graph) -> list[list[str]]:
    """The import cycles of the graph: its strongly connected parts of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(module):  # Tarjan's algorithm, iterative: the graph is deeper than Python's stack likes
        work = [(module, iter(sorted(graph.find_modules_directly_imported_by(module))))]
        index[module] = low[module] = len(index)
        stack.append(module)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = []
                while True:
                    member = stack.pop()
                    part.append(member)
                    if member == node:
                        break
                if len(part) > 1:
                    found.append(sorted(part))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_anywhere():
    """Module by module across all four packages (imports inside functions count too)."""
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    assert len(graph.modules) > 100
    assert cycles(graph) == []
    graph.add_import(importer="db.services.companies", imported="db.services.contacts")  # the knot of old
    assert cycles(graph) == [["db.services.companies", "db.services.contacts"]]
