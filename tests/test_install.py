"""What `pip install .` gives a user (not an editable checkout): the wheel carries every
file the app reads, and the app starts from it. `.ci/run` does the same end to end in a
fresh virtualenv with the wheel's dependencies; this is the quick in-suite version."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.terminal import run_in_terminal

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("db", "cli", "crm_tui", "importers")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel built from a clean copy of the checkout, unpacked as pip installs it."""
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in (*PACKAGES, "pyproject.toml", "README.md"):
        subprocess.run(["cp", "-r", str(ROOT / name), str(src)], check=True)
    subprocess.run(["find", str(src), "-name", "__pycache__", "-prune", "-exec", "rm", "-rf", "{}", "+"], check=True)
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(work / "dist"),
                            str(src)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    wheel = next((work / "dist").glob("crm-*.whl"))
    site = work / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    return wheel, site


def test_the_wheel_carries_every_file_of_our_packages(installed):
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    ours = {str(p.relative_to(ROOT)) for pkg in PACKAGES for p in (ROOT / pkg).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}
    assert "crm_tui/app.tcss" in ours and "db/migrations/0001_initial.py" in ours
    assert sorted(ours - names) == []


def test_the_app_starts_from_the_installed_wheel(installed, crm_store, tmp_path):
    _, site = installed
    env = {**os.environ, "PYTHONPATH": str(site), "CRM_DB": str(crm_store), "XDG_STATE_HOME": str(tmp_path / "state")}
    where = subprocess.run([sys.executable, "-c", "import crm_tui; print(crm_tui.__file__)"], env=env, cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert where == str(site / "crm_tui" / "__init__.py")  # not the checkout
    code = "import sys\nsys.argv = ['crm']\nfrom cli.main import main\nmain()\n"
    exit_code, lines = run_in_terminal(code, env, keys=b"\x11", keys_after="Due now: overdue and today")
    assert (exit_code, lines) == (0, [])


def test_a_missing_stylesheet_is_a_crash_report_not_exit_0(crm_store, tmp_path):
    """What the wheel without app.tcss did: Textual printed a traceback and crm exited 0."""
    env = {**os.environ, "CRM_DB": str(crm_store), "XDG_STATE_HOME": str(tmp_path / "state")}
    code = ("import sys\nfrom crm_tui.app import CrmApp\nCrmApp.CSS_PATH = 'gone.tcss'\n"
            "sys.argv = ['crm']\nfrom cli.main import main\nmain()\n")
    exit_code, lines = run_in_terminal(code, env)
    assert exit_code == 3
    assert len(lines) == 1
    assert lines[0].startswith("error: crm hit a bug (StylesheetError: unable to read CSS file ")
    assert "gone.tcss" in lines[0] and f"details in {tmp_path / 'state' / 'crm' / 'crashes'}" in lines[0]
