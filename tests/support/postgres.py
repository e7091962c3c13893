"""A private PostgreSQL: a throw-away cluster (initdb as the `postgres` user) on
its own port, to stop, freeze and start again."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import asyncpg

from cps.storage.migrations import upgrade
from tests.support.servers import free_port


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not candidates:
        raise RuntimeError(f"{name} not found")
    return str(candidates[-1])


def _as_postgres(command: str, timeout: float = 60) -> None:
    subprocess.run(["su", "postgres", "-c", command], check=True, timeout=timeout,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class PrivatePostgres:
    """A PostgreSQL cluster of our own, on its own port: to stop and restart."""

    def __init__(self) -> None:
        self.port = free_port()
        # Under /tmp itself: the postgres user cannot enter pytest's 0700 folders.
        self.root = Path(tempfile.mkdtemp(prefix="cps-faults-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        shutil.chown(self.root, "postgres", "postgres")
        _as_postgres(f"{_pg_bin('initdb')} -D {self.data} -A trust -U postgres --no-sync "
                     "--no-instructions")

    def start(self) -> None:
        options = (f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        _as_postgres(f"{_pg_bin('pg_ctl')} -D {self.data} -l {self.log} -w -t 30 "
                     f"-o '{options}' start")

    def stop(self, mode: str = "fast") -> None:
        _as_postgres(f"{_pg_bin('pg_ctl')} -D {self.data} -m {mode} -w -t 30 stop")

    def _pids(self) -> list[int]:
        """The postmaster (ours, from its pid file) and its children."""
        main = int((self.data / "postmaster.pid").read_text().split()[0])
        children = Path(f"/proc/{main}/task/{main}/children").read_text().split()
        return [main, *map(int, children)]

    def freeze(self) -> None:
        """SIGSTOP: connections stay open, nothing answers (a network partition)."""
        for pid in self._pids():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self._pids():
            os.kill(pid, signal.SIGCONT)

    async def create_database(self, name: str) -> str:
        conn = await asyncpg.connect(self.url())
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        url = self.url(name)
        await upgrade(url)
        return url

    def destroy(self) -> None:
        try:
            self.thaw()  # a frozen cluster would not hear the stop
        except (OSError, ValueError, IndexError):
            pass
        try:
            self.stop("immediate")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.root, ignore_errors=True)
