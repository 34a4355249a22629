"""A throwaway PostgreSQL server for the tests: initdb in a temporary directory, pg_ctl on a
free loopback port, one fresh database per test (`PostgresServer.database`).

PostgreSQL refuses to run as root: under root (CI) the server runs as the `postgres` user that
Debian's package makes. Durability is switched off (fsync, synchronous_commit): a test server
that loses its data on a power cut loses nothing of value, and starts in a second.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

USER = "mailcheck"
PASSWORD = "pg-s3cret-for-tests"  # so tests can see that it is never shown


def binaries() -> Path | None:
    """The folder of initdb and pg_ctl: on the PATH, else Debian's versioned folder."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="mailcheck-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.owner: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            self.owner = pwd.getpwnam("postgres")
            os.chown(self.root, self.owner.pw_uid, self.owner.pw_gid)
        self.root.chmod(0o755)

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.owner else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)

    def start(self) -> PostgresServer:
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.owner:
            os.chown(pwfile, self.owner.pw_uid, self.owner.pw_gid)
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", USER,
            f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
            "--encoding=UTF8", "--locale=C.UTF-8",
        )  # fmt: skip
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip
        return self

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """A new, empty database; its URL (with the password)."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:16]
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)
