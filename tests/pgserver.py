"""A real PostgreSQL server for the tests: a fresh cluster in a temporary folder, on a free port of 127.0.0.1.

PostgreSQL refuses to run as root, so under root the cluster belongs to an unprivileged user (``postgres`` when the
Debian package made one, else ``nobody``). When no server binaries are found and we are root on Debian (as CI is),
Debian's ``postgresql`` package is installed with apt-get first.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

SUPERUSER = "newsloom"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here, and none could be installed; the message says how to get them."""


def server_binaries() -> Path | None:
    """The folder of the newest installed PostgreSQL server (the one holding initdb and pg_ctl)."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")]
    found.sort(key=lambda folder: int(folder.parent.name) if folder.parent.name.isdigit() else 0)
    if found:
        return found[-1]
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl and shutil.which("initdb"):
        return Path(pg_ctl).resolve().parent
    return None


def install_server() -> Path:
    """Install Debian's postgresql package (root only) and return its binaries' folder."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise PostgresUnavailable(
            "no PostgreSQL server binaries (initdb, pg_ctl) found: install them (Debian: apt-get install postgresql) "
            "to run the PostgreSQL store tests"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "postgresql"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
        if done.returncode != 0:
            raise PostgresUnavailable(f"`{' '.join(command)}` failed:\n{done.stderr[-2000:]}")
    binaries = server_binaries()
    if binaries is None:
        raise PostgresUnavailable(
            "apt-get installed postgresql, but no initdb/pg_ctl was found under /usr/lib/postgresql"
        )
    return binaries


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """One throwaway cluster: ``start()``, ``new_database()`` for each test, ``stop()`` removes everything."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.root = Path(tempfile.mkdtemp(prefix="newsloom-pg-"))
        self.data = self.root / "data"
        self.port = 0
        self._owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            self._owner = _unprivileged_user()
            os.chown(self.root, self._owner.pw_uid, self._owner.pw_gid)
        self._databases = 0

    def _run(self, *command: str, timeout: float = 120) -> None:
        owner: dict[str, Any] = {}
        if self._owner is not None:
            owner = {"user": self._owner.pw_uid, "group": self._owner.pw_gid, "extra_groups": []}
        done = subprocess.run(
            [str(self.binaries / command[0]), *command[1:]],
            cwd=self.root,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "HOME": str(self.root)},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **owner,
        )
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise PostgresUnavailable(f"{' '.join(command[:2])} failed: {done.stderr or done.stdout}\n{tail}")

    def start(self) -> PostgresServer:
        self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C", "-N"
        )
        for attempt in range(3):
            self.port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root} "
                # A test cluster: durability is not what these tests measure.
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options, "-w",
                          "-t", "60", "start")  # fmt: skip
                return self
            except PostgresUnavailable:
                if attempt == 2:
                    raise
                time.sleep(0.2)  # the free port was taken in between: try another
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        self._databases += 1
        name = f"test_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            if self.port:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _unprivileged_user() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresUnavailable("running as root, and neither a 'postgres' nor a 'nobody' user exists to run PostgreSQL")


def start_server() -> PostgresServer:
    """A running throwaway server; binaries installed first when missing (root on Debian)."""
    binaries = server_binaries() or install_server()
    return PostgresServer(binaries).start()
