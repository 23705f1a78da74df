"""`make faulttest`: the database goes down under load; what do users get, and is anything lost?

1. A private PostgreSQL cluster (initdb/pg_ctl of the installed server, found with pg_config or under
   /usr/lib/postgresql) on a free port, a fresh database, demo data.
2. gunicorn with production settings (DEBUG off) against it; clients apply, sign and issue through the real
   workflow (manage.py ops_load), logging each acknowledged write; a prober reads a public page that needs the database (a search) and /readyz.
3. The database is killed (`pg_ctl stop -m immediate`: a crash, not a clean shutdown), kept down, started again.
4. Summary line: what the prober got during the outage (503 with Retry-After and the Chinese maintenance page, never
   500), how long /readyz took to pass again after the database was back, and whether every acknowledged write is
   there, the register is gapless, the seal ledger and the stored documents check, and no file is left without its
   record. Exit status 0 only when all of that holds.

    python scripts/faulttest.py [--load-seconds 40] [--down-seconds 8] [--clients 2]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
MAINTENANCE_TEXT = "系统维护中"
STARTED = time.monotonic()


def step(text: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {text}", file=sys.stderr, flush=True)


def pg_bindir() -> Path:
    """The server binaries: pg_config's bindir when it has initdb (Debian's pg_config is the client's), else the
    newest /usr/lib/postgresql/*/bin."""
    try:
        bindir = Path(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip())
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    except FileNotFoundError:
        pass
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if not found:
        sys.exit("faulttest: no PostgreSQL server binaries (initdb) found; install postgresql")
    return Path(found[-1]).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A throw-away PostgreSQL cluster. PostgreSQL refuses to run as root, so as root it runs as `postgres`."""

    def __init__(self, workdir: Path):
        self.bindir = pg_bindir()
        self.data = workdir / "pgdata"
        self.socket_dir = workdir / "pgsock"
        self.log = workdir / "postgres.log"
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True)

    def init(self) -> None:
        for path in (self.data, self.socket_dir):
            path.mkdir(parents=True)
        if self.as_postgres:
            shutil.chown(self.data.parent, "postgres")
            for path in (self.data, self.socket_dir):
                shutil.chown(path, "postgres")
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        self.start()
        subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "portal"], check=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def crash(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        subprocess.run(
            [*self.as_postgres, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
            capture_output=True,
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/portal"


def redis_url() -> str:
    """A Redis database of its own when Redis runs (two gunicorn workers need a shared cache), else none."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return "redis://127.0.0.1:6379/11"
    except OSError:
        return ""


class Prober(threading.Thread):
    """Reads a public page and /readyz every 0.2 s, keeping (time, page status, Retry-After, Chinese text, readyz)."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base, self.samples, self.stopped = base, [], threading.Event()

    @staticmethod
    def get(url: str) -> tuple[int, str, str]:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own 127.0.0.1 server
                return response.status, response.headers.get("Retry-After", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Retry-After", ""), error.read().decode(errors="replace")
        except OSError:
            return 0, "", ""

    def run(self) -> None:
        while not self.stopped.is_set():
            # A probe is "during the outage" only if its page request started after the crash: the time at which
            # it was sent is kept as well (a page served just before the crash, whose /readyz answered slowly after
            # it, was once counted as an outage probe without a 503).
            sent = time.monotonic()
            # A search of the public list: never served from the cache (catalog/publiccache.py), so it needs the
            # database, as most pages do. The plain list may keep being served from the cache during the outage.
            status, retry_after, body = self.get(self.base + "/catalog/?q=" + urllib.parse.quote("社区"))
            answered = time.monotonic()
            ready, _, _ = self.get(self.base + "/readyz")
            self.samples.append((answered, status, retry_after, MAINTENANCE_TEXT in body, ready, sent))
            time.sleep(0.2)


def manage(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"faulttest: manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--load-seconds", type=float, default=40)
    parser.add_argument("--down-seconds", type=float, default=8)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--recover-within", type=float, default=15, help="seconds allowed for /readyz to pass again")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="faulttest-"))
    os.chmod(workdir, 0o755)
    cluster = Cluster(workdir)
    gunicorn = load = None
    try:
        step(f"private PostgreSQL from {cluster.bindir} on port {cluster.port}")
        cluster.init()
        port, cache = free_port(), redis_url()
        env = {
            **os.environ,
            "DATABASE_URL": cluster.url,
            "MEDIA_ROOT": str(workdir / "media"),
            "SIGNING_KEY_DIR": str(workdir / "keys"),
            "SECRET_KEY": "faulttest-only-not-a-secret",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
            "REDIS_URL": cache,
            "DEBUG": "0",
        }
        if cache:
            subprocess.run(["redis-cli", "-n", "11", "flushdb"], capture_output=True)
        # The test settings skip loading 20,000 regions on migrate; the schema is the same. Demo data needs DEBUG.
        step("migrate, demo data, static files")
        manage(env, "migrate", "--noinput", "-v", "0", "--settings=portal.settings_test")
        manage({**env, "DEBUG": "1"}, "seed_demo")
        if not (ROOT / "staticfiles" / "staticfiles.json").exists():  # `make faulttest` collects them first
            manage(env, "collectstatic", "--noinput", "-v", "0")
        gunicorn = subprocess.Popen(
            [str(Path(PY).parent / "gunicorn"), "portal.wsgi", "-c", "portal/gunicorn.conf.py"],
            cwd=ROOT,
            env={**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2" if cache else "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            if Prober.get(base + "/healthz")[0] == 200:
                break
            time.sleep(0.2)
        acks = workdir / "acks.jsonl"
        acks.touch()
        step(f"gunicorn on port {port}; load: {options.clients} clients for {options.load_seconds:.0f}s")
        prober = Prober(base)
        prober.start()
        load = subprocess.Popen(
            [PY, "manage.py", "ops_load", "--seconds", str(options.load_seconds), "--clients", str(options.clients)]
            + ["--acks", str(acks)],
            cwd=ROOT,
            env={**env, "DEBUG": "1"},  # the demo community's workers act; DEBUG only for this client process
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # The outage starts once every client has written something (their start-up needs the database).
        waited = time.monotonic()
        while len(acks.read_text().splitlines()) < options.clients and time.monotonic() - waited < 180:
            time.sleep(0.5)
        cluster.crash()
        down_at = time.monotonic()  # after pg_ctl has stopped it: a probe sent later finds no database
        step(f"database killed (pg_ctl stop -m immediate); down for {options.down_seconds:.0f}s")
        time.sleep(options.down_seconds)
        # Before starting it: pg_ctl start returns only once the server accepts connections, so a probe answered
        # in between was served by a database that is up (a loaded CI machine once counted such a 200 as an
        # outage probe without a 503).
        restart_at = time.monotonic()
        cluster.start()
        up_at = time.monotonic()
        step("database started again; waiting for the load to finish")
        load_out, load_err = load.communicate(timeout=options.load_seconds * 4 + 120)
        if load.returncode != 0:
            print(load_err[-3000:], file=sys.stderr)
        step("checks")
        while not any(s[0] > up_at and s[4] == 200 for s in prober.samples) and time.monotonic() - up_at < 60:
            time.sleep(0.2)
        prober.stopped.set()
        prober.join()

        during = [s for s in prober.samples if down_at + 0.5 < s[5] and s[0] < restart_at]
        outage_503 = [s for s in during if s[1] == 503]
        proper_503 = [s for s in outage_503 if s[2] and s[3]]
        errors_500 = [s for s in prober.samples if s[1] >= 500 and s[1] != 503]
        readyz_failed = any(s[4] == 503 for s in during)
        recovered = next((s[0] for s in prober.samples if s[0] > up_at and s[4] == 200), None)
        recovered_in = None if recovered is None else round(recovered - up_at, 1)
        tally = json.loads(load_out.strip().splitlines()[-1]) if load.returncode == 0 else {}
        checked = json.loads(manage(env, "ops_load", "--check", str(acks)).stdout.strip().splitlines()[-1])
        verdicts = {
            name: manage(env, name, check=False).returncode == 0
            for name in ("verify_register", "verify_seal_ledger", "verify_documents")
        }
        passed = (
            load.returncode == 0
            and during
            and len(proper_503) == len(during)
            and not errors_500
            and readyz_failed
            and recovered_in is not None
            and recovered_in <= options.recover_within
            and checked["lost"] == 0
            and checked["orphan_files"] == 0
            and all(verdicts.values())
        )
        print(
            f"faulttest: outage={options.down_seconds:.0f}s probes_during_outage={len(during)} "
            f"chinese_503_with_retry_after={len(proper_503)} http_500={len(errors_500)} "
            f"readyz_failed={'yes' if readyz_failed else 'no'} readyz_recovered_in={recovered_in}s "
            f"(limit {options.recover_within:.0f}s) writes_failed_during_outage={tally.get('failed', '?')} "
            f"acknowledged={checked['acknowledged']} issued={checked['issued']} lost={checked['lost']} "
            f"register={'ok' if verdicts['verify_register'] else 'BROKEN'} "
            f"seal_ledger={'ok' if verdicts['verify_seal_ledger'] else 'BROKEN'} "
            f"documents={'ok' if verdicts['verify_documents'] else 'BROKEN'} "
            f"orphan_files={checked['orphan_files']} result={'PASS' if passed else 'FAIL'}"
        )
        for odd in (s for s in during if not (s[1] == 503 and s[2] and s[3])):
            # What a failing run needs to be understood: each outage probe that was not the maintenance page.
            print(
                f"faulttest: outage probe sent {odd[5] - down_at:.2f}s after the crash, answered "
                f"{odd[0] - down_at:.2f}s after it: HTTP {odd[1]} Retry-After={odd[2]!r} maintenance_text={odd[3]}"
            )
        return 0 if passed else 1
    finally:
        for process in (load, gunicorn):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
