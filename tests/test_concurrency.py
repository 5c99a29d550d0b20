"""Two processes writing through the CLI at once: no 'database is locked', no lost rows."""
import json
import os
import subprocess
import sys


def run_writer(db, prefix, count):
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from cli.main import app\n"
        "r = CliRunner()\n"
        f"r.invoke(app, ['--db', {str(db)!r}, 'init'])\n"  # both race to create the schema
        f"for n in range({count}):\n"
        f"    res = r.invoke(app, ['--db', {str(db)!r}, 'contact', 'add', '--first-name', '{prefix}%d' % n,\n"
        f"                         '--email', '{prefix}%d@example.com' % n])\n"
        "    if res.exit_code:\n"
        "        sys.stderr.write(res.stderr); sys.exit(res.exit_code)\n"
        f"    res = r.invoke(app, ['--db', {str(db)!r}, 'note', 'add', 'hello', '--contact', '{prefix}%d@example.com' % n])\n"
        "    if res.exit_code:\n"
        "        sys.stderr.write(res.stderr); sys.exit(res.exit_code)\n")
    return subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=os.environ.copy())


def test_two_cli_processes_write_at_once(tmp_path, crm_store):
    db = tmp_path / "shared.db"  # a fresh file: both processes race to create it (crm init)
    procs = [run_writer(db, p, 40) for p in ("a", "b")]
    results = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, results):
        assert proc.returncode == 0, err
        assert "locked" not in err
    out = subprocess.run([sys.executable, "-m", "cli", "--db", str(db), "contact", "list", "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    names = sorted(c["name"] for c in json.loads(out))
    assert names == sorted([f"a{n}" for n in range(40)] + [f"b{n}" for n in range(40)])
    check = subprocess.run([sys.executable, "-m", "cli", "--db", str(db), "db", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
