"""A wheel of CPS installs into an empty virtualenv outside the source tree, migrates and serves.

What an editable install hides: the Alembic migrations and the web front end must travel
inside the wheel (as `cps/migrations/` and `cps/web/`, found by `cps.bundled`), and the
migration runner must not need the repository's `alembic.ini`.

The wheel is built from a copy of the working tree, and the copy is deleted before the
install: building in the tree itself would leave `build/` and `*.egg-info` there, and a
`build/lib` left from an earlier build carries modules since moved or deleted into the wheel.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from cps.storage.migrations import head_revision
from tests.support.servers import AppServer

pytestmark = [pytest.mark.anyio, pytest.mark.long, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
# At the top of the tree: what no build reads (and what only a working tree holds).
NOT_BUILT = {".git", ".venv", "build", "dist", "tests", "bench", "docs", ".mypy_cache",
             ".ruff_cache", ".pytest_cache", ".hypothesis", ".schemathesis", ".env", ".cps-secret"}


def _skip(folder: str, names: list[str]) -> set[str]:
    top = Path(folder) == ROOT
    return {n for n in names if n == "__pycache__" or n.endswith(".egg-info")
            or (top and (n in NOT_BUILT or ".db" in n))}


# Not passed on to the venv's processes: the source tree on the path, and the machine's
# "write no bytecode" (the venv is installed without compiling, below, so the first
# process to import a module compiles it for the others).
NOT_INHERITED = ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")


def _clean_env() -> dict[str, str]:
    """This process's environment without NOT_INHERITED or CPS settings."""
    return {k: v for k, v in os.environ.items()
            if k not in NOT_INHERITED and not k.startswith("CPS_")}


def run(*args: str | Path, cwd: Path, timeout: float = 180, **variables: str) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env={**_clean_env(), **variables},
                            capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


class InstalledServer(AppServer):
    """`cps serve` by the virtualenv's own `cps` script, with none of the source tree's paths."""

    def __init__(self, venv: Path, workdir: Path, database_url: str) -> None:
        super().__init__(workdir, database_url=database_url)
        self.venv = venv
        for name in NOT_INHERITED:
            self.env.pop(name, None)

    def launch(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(self.venv / "bin" / "cps"), "serve", "--port", str(self.port)],
                cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )


@dataclass(frozen=True)
class Installed:
    venv: Path
    web: dict[str, bytes]  # the front end the wheel was built from, by path under web/


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """An empty virtualenv with `cps` installed from a wheel of this tree, and its dependencies."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    started = time.monotonic()
    shutil.copytree(ROOT, source, ignore=_skip)
    web = {p.relative_to(source / "web").as_posix(): p.read_bytes()
           for p in (source / "web").rglob("*") if p.is_file()}
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", tmp / "dist", ".",
        cwd=source)
    shutil.rmtree(source)
    (wheel,) = (tmp / "dist").glob("cps-*.whl")
    built = time.monotonic()
    run(sys.executable, "-m", "venv", tmp / "venv", cwd=tmp)
    # --no-compile: pip would compile every module of every dependency (scikit-learn's,
    # SciPy's...) ahead, half of the install's time; Python compiles what is imported,
    # once (_clean_env).
    run(tmp / "venv" / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-compile",
        wheel, cwd=tmp)
    print(f"wheel built in {built - started:.1f} s, "
          f"venv made and installed in {time.monotonic() - built:.1f} s")
    return Installed(tmp / "venv", web)


def test_the_code_its_migrations_and_its_front_end_come_from_the_virtualenv(installed: Installed, tmp_path: Path) -> None:
    venv = installed.venv
    where = run(venv / "bin" / "python", "-c",
                "import cps, cps.bundled as b, cps.storage.migrations as m, cps.app as a\n"
                "print(cps.__file__, m.MIGRATIONS, a.WEB_DIR, sep='\\n')",
                cwd=tmp_path).split()

    assert len(where) == 3
    for path in where:
        assert Path(path).is_relative_to(venv), path
    assert not Path(where[0]).is_relative_to(ROOT)


async def test_the_installed_cps_migrates_serves_the_api_and_the_web_front_end(
        installed: Installed, tmp_path: Path) -> None:
    venv = installed.venv
    database = tmp_path / "cps.db"
    server = InstalledServer(venv, tmp_path, f"sqlite:///{database}")
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as http:
            page = await http.get("/", headers={"Accept-Language": "ar"})
            assert page.status_code == 200
            assert page.headers["content-type"].startswith("text/html")
            # index.html, its <html> tag in the request's language (cps/http/pages.py).
            shell = re.sub(rb"<html\b[^>]*>", b'<html lang="ar" dir="rtl">',
                           installed.web["index.html"], count=1)
            assert page.content == shell

            # Every file of the front end, byte for byte (the scripts and the pages' modules).
            static = {name: body for name, body in installed.web.items()
                      if name.startswith("static/")}
            assert any(name.endswith(".js") and name.count("/") > 1 for name in static)
            for name, body in static.items():
                r = await http.get(f"/{name}")
                assert r.status_code == 200, name
                assert r.content == body, name
            script = await http.get("/static/app.js")
            assert "javascript" in script.headers["content-type"]

            # The schema is there: an account is made and signs in.
            account = {"email": "ann@example.org", "password": "correct horse battery"}
            r = await http.post("/api/v1/auth/register", json={
                **account, "display_name": "Ann", "stakeholder_type": "citizen"})
            assert r.status_code == 201, r.text
            r = await http.post("/api/v1/auth/login", json=account)
            assert r.status_code == 200, r.text
            # The catalogues travelled too: a taken email is refused in Arabic.
            r = await http.post("/api/v1/auth/register", headers={"Accept-Language": "ar"},
                                json={**account, "display_name": "Ann"})
            assert r.status_code == 409, r.text
            assert r.json()["error"]["message"] == "يوجد حساب بهذا البريد الإلكتروني بالفعل."
    finally:
        server.stop()

    with sqlite3.connect(database) as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision == head_revision()  # every migration of the tree travelled in the wheel
    upgrade = run(venv / "bin" / "cps", "db", "upgrade", cwd=tmp_path,
                  CPS_DATABASE_URL=f"sqlite:///{database}")
    assert "latest revision" in upgrade


def test_the_installed_cps_fills_a_demo(installed: Installed, tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    # One city (and the partners): the member list the cities come from is read whole
    # (it travelled in the wheel); each further city is the same code again.
    out = run(installed.venv / "bin" / "cps", "demo", "--cities", "1",
              cwd=tmp_path, timeout=180, CPS_DATABASE_URL=f"sqlite:///{database}",
              CPS_PASSWORD_PROFILE="test")

    assert "[1/1] Seoul, Korea" in out
    with sqlite3.connect(database) as conn:
        (organizations,) = conn.execute("SELECT count(*) FROM organizations").fetchone()
    assert organizations == 1 + 4  # the city and the four partners
