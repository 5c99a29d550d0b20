"""The layer rules of DESIGN.md, checked on the real code."""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_db_and_importers_load_no_ui_library():
    modules = [p.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
               for folder in ("db", "importers") for p in (ROOT / folder).rglob("*.py")
               if "migrations" not in p.parts and p.name != "__main__.py"]
    code = (f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
            "print(sorted(n for n in ('textual', 'typer', 'rich') if n in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert len(modules) > 10
    assert out.stdout.strip() == "[]"


def test_faces_import_no_peewee():
    pattern = re.compile(r"^\s*(import peewee|from peewee|from playhouse|import playhouse)", re.M)
    offenders = [str(p.relative_to(ROOT)) for folder in ("cli", "crm_tui") for p in (ROOT / folder).rglob("*.py")
                 if pattern.search(p.read_text())]
    assert offenders == []
