"""A throwaway PostgreSQL server for the tests that must pass on PostgreSQL too.

CRM_TEST_PG=postgresql://user@host:port/ points at an existing server; otherwise the
server binaries (Debian's postgresql package) are used to start one on loopback for
the session. Without either, those tests skip.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import contextmanager

import pytest


def _bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(os.path.realpath(initdb)) if initdb else None


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() == 0:  # the server refuses to run as root
        return ["runuser", "-u", "postgres", "--", *args]
    return args


@pytest.fixture(scope="session")
def pg_server():
    url = os.environ.get("CRM_TEST_PG")
    if url:
        yield url.rstrip("/") + "/"
        return
    bindir = _bindir()
    if not bindir:
        pytest.skip("PostgreSQL is not installed (set CRM_TEST_PG or install postgresql)")
    with throwaway_server(bindir) as url:
        yield url


@contextmanager
def throwaway_server(bindir: str):
    """A fresh server on loopback (fsync off) for as long as the block runs; yields
    its URL without a database name. The benchmarks start theirs here too."""
    root = tempfile.mkdtemp(prefix="crm-pg-")
    os.chmod(root, 0o755)
    data = os.path.join(root, "data")
    os.mkdir(data, 0o700)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(data, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run(_as_postgres([f"{bindir}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                 "--locale=C"]), check=True, capture_output=True)
    subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", data, "-w", "-l", os.path.join(root, "log"), "-o",
                                 f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]),
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/"
    finally:
        subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server, crm_store):
    """A fresh, empty database on the server; the store is bound to it."""
    import psycopg2

    from db import store

    name = f"crm_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(pg_server + "postgres")
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    url = pg_server + name
    store.close_store()
    store.open_store(url)
    yield url
    store.close_store()
    admin.cursor().execute(f"DROP DATABASE {name} WITH (FORCE)")
    admin.close()
