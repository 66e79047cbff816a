"""The distributed system as local processes: PostgreSQL, Redis (AOF), SeaweedFS, `sohoa serve`, N workers.

Why: an office runs Compose (deploy/compose.yaml); this is the same topology on a machine without Docker, for
the end-to-end test, the load benchmark and the fault tests. Every process listens on a free loopback port,
is started in a session of its own (so stopping it stops its children) and is stopped by the pid recorded in
DIR/pids. ``down`` keeps the data, so ``up`` again brings back the same office. Usage: scripts/stack.sh.

DIR/stack.json keeps the ports chosen on the first ``up`` (SeaweedFS must come back on its own ports);
DIR/stack.env is what a shell or a test sources to talk to the stack. ``SOHOA_*`` variables set when
``up`` runs are passed to every process and written to stack.env (for example short worker heartbeats).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pwd
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]  # the fixtures' knowledge of each server (tests/pg.py ...)

import pg  # noqa: E402
import redis_server  # noqa: E402
import seaweed  # noqa: E402

DEFAULT_DIR = Path("/tmp/sohoa-stack")
BUCKET = "sohoa-stack"
CLERK, ADMIN = "le.tan", "quan.tri"
START_TIMEOUT_S = 120  # a worker loads Tesseract's models and the signing key before it is ready
STOP_TIMEOUT_S = 30  # a worker finishes the page it is on (warm shutdown) before it is killed


class StackError(RuntimeError):
    """Something did not come up; the message names it and its log."""


class Stack:
    """One stack's folder: its ports, pid files, logs and data."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.logs = self.root / "logs"
        self.pids = self.root / "pids"
        self.state_file = self.root / "stack.json"
        self.state: dict = json.loads(self.state_file.read_text()) if self.state_file.is_file() else {}

    # -- bookkeeping -------------------------------------------------------------------------------------

    def save(self) -> None:
        self.state_file.write_text(json.dumps(self.state, indent=1))

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def pid(self, name: str) -> int | None:
        """The recorded pid of ``name`` if that process is alive."""
        pid_file = self.pids / f"{name}.pid"
        if name == "postgres":
            pid_file = self.root / "pg" / "data" / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, 0)
        except (OSError, ValueError, IndexError):
            return None
        return pid

    def worker_names(self) -> list[str]:
        """Workers that have pid files, in order of their number."""
        names = [p.stem for p in self.pids.glob("worker-*.pid")] if self.pids.is_dir() else []
        return sorted(names, key=lambda n: int(n.split("-")[1]))

    def env(self) -> dict[str, str]:
        """The ``SOHOA_*`` settings every process of the stack shares (also stack.env's content)."""
        s = self.state
        return {
            **s.get("passed", {}),
            "SOHOA_DATA_DIR": str(self.root / "data"),
            "SOHOA_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{s['pg_port']}/sohoa",
            "SOHOA_REDIS_URL": f"redis://127.0.0.1:{s['redis_port']}/0",
            "SOHOA_STORAGE_URL": f"s3://{BUCKET}",
            "SOHOA_S3_ENDPOINT": f"127.0.0.1:{s['weed_ports'][3]}",
            "SOHOA_S3_ACCESS_KEY": s["s3_access_key"],
            "SOHOA_S3_SECRET_KEY": s["s3_secret_key"],
            "SOHOA_S3_SECURE": "false",
            "SOHOA_SIGNER": s.get("passed", {}).get("SOHOA_SIGNER", "dev"),
            "SOHOA_WEB_HOST": "127.0.0.1",
            "SOHOA_WEB_PORT": str(s["web_port"]),
        }

    def child_env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
        env.update(self.env(), **extra)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
        return env

    def write_env_file(self) -> None:
        s = self.state
        lines = [f"{k}={shell_quote(v)}" for k, v in sorted(self.env().items())]
        lines += [
            f"SOHOA_URL=http://127.0.0.1:{s['web_port']}",
            f"SOHOA_TOKEN={s['clerk_token']}",
            f"SOHOA_ADMIN_TOKEN={s['admin_token']}",
            f"SOHOA_STACK_DIR={shell_quote(str(self.root))}",
        ]
        path = self.root / "stack.env"
        path.write_text("# written by scripts/stack.sh up: `set -a; . stack.env` to talk to this stack\n")
        with path.open("a") as out:
            out.write("\n".join(lines) + "\n")
        path.chmod(0o600)

    # -- starting -----------------------------------------------------------------------------------------

    def spawn(self, name: str, cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> int:
        """Start ``cmd`` detached (a session of its own, output to its log) and record its pid."""
        with self.log(name).open("ab") as log:
            proc = subprocess.Popen(
                cmd, env=env, cwd=cwd or self.root, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        (self.pids / f"{name}.pid").write_text(f"{proc.pid}\n")
        return proc.pid

    def wait(self, name: str, ready: Callable[[], bool], timeout_s: float = START_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if ready():
                return
            if self.pid(name) is None:
                raise StackError(f"{name} exited while starting; see {self.log(name)}:\n{tail(self.log(name))}")
            time.sleep(0.2)
        raise StackError(f"{name} not ready after {timeout_s:.0f} s; see {self.log(name)}:\n{tail(self.log(name))}")

    def up(self, workers: int) -> None:
        for folder in (self.root, self.logs, self.pids, self.root / "data", self.root / "redis", self.root / "weed"):
            folder.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o755)  # the postgres account must reach its folder inside
        self.first_run = not self.state
        if self.first_run:
            weed_ports = seaweed.free_ports(5)
            self.state = {
                "pg_port": redis_server.free_port(),
                "redis_port": redis_server.free_port(),
                "weed_ports": weed_ports,
                "web_port": redis_server.free_port(),
                "worker_ports": {},
                "s3_access_key": "sohoa-stack",
                "s3_secret_key": secrets.token_urlsafe(24),
            }
        self.state["passed"] = {k: v for k, v in os.environ.items() if k.startswith("SOHOA_") and k != "SOHOA_VENV"}
        self.save()
        started = time.monotonic()
        with ThreadPoolExecutor(3) as pool:  # the three servers are independent: start them side by side
            for done in [pool.submit(step) for step in (self.start_postgres, self.start_redis, self.start_weed)]:
                done.result()
        say(f"postgres, redis, weed: {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        self.prepare()
        say(f"database, migrations, bucket, accounts: {time.monotonic() - started:.1f} s")
        self.write_env_file()
        started = time.monotonic()
        self.start_web(wait=False)
        self.scale(workers, also_wait=["web"])
        say(f"web and {workers} workers: {time.monotonic() - started:.1f} s")

    def start_postgres(self) -> None:
        if self.pid("postgres"):
            return
        reason = pg.why_not_available()
        if reason:
            raise StackError(reason)
        bindir, home = pg.find_bindir(), self.root / "pg"
        home.mkdir(exist_ok=True)
        as_root = os.geteuid() == 0
        if as_root:
            os.chown(home, pwd.getpwnam(pg.SERVER_USER).pw_uid, -1)

        def run(*args: str) -> None:
            cmd = [str(bindir / args[0]), *args[1:]]
            if as_root:
                cmd = ["runuser", "-u", pg.SERVER_USER, "--", *cmd]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=90, cwd=home)
            if done.returncode != 0:
                raise StackError(f"postgres {args[0]} failed: {done.stderr.strip()}\n{tail(home / 'server.log')}")

        if not (home / "data" / "PG_VERSION").is_file():
            run("initdb", "-D", str(home / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale")
        options = f"-p {self.state['pg_port']} -k {home} -c listen_addresses=127.0.0.1 -c max_connections=200"
        run(
            "pg_ctl", "start", "-D", str(home / "data"), "-l", str(home / "server.log"), "-w", "-t", "60", "-o", options
        )
        with contextlib.suppress(FileExistsError):
            self.log("postgres").symlink_to(home / "server.log")

    def start_redis(self) -> None:
        if self.pid("redis"):
            return
        port = self.state["redis_port"]
        cmd = [
            "redis-server", "--port", str(port), "--bind", "127.0.0.1", "--protected-mode", "yes",
            "--dir", str(self.root / "redis"), "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
        ]  # fmt: skip
        self.spawn("redis", cmd, self.child_env(), cwd=self.root / "redis")
        self.wait("redis", lambda: redis_server.answers_ping(port), 20)

    def start_weed(self) -> None:
        if self.pid("weed"):
            return
        binary = seaweed.find_weed()
        if binary is None:
            raise StackError(seaweed.why_not_available() or "weed missing")
        data = self.root / "weed" / "data"
        data.mkdir(exist_ok=True)
        cmd = seaweed.mini_command(binary, data, self.root / "weed", self.state["weed_ports"])
        env = dict(self.child_env(), AWS_ACCESS_KEY_ID=self.state["s3_access_key"])
        env["AWS_SECRET_ACCESS_KEY"] = self.state["s3_secret_key"]
        self.spawn("weed", cmd, env, cwd=self.root / "weed")
        self.wait("weed", self.s3_answers, 60)

    def s3_answers(self) -> bool:
        import urllib3
        from minio import Minio

        http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=1, read=5))
        client = Minio(
            f"127.0.0.1:{self.state['weed_ports'][3]}",
            access_key=self.state["s3_access_key"],
            secret_key=self.state["s3_secret_key"],
            secure=False,
            http_client=http,
        )
        try:
            client.list_buckets()
        except Exception:
            return False
        return True

    def prepare(self) -> None:
        """Once, before any sohoa process: the database, its migrations, the bucket, the accounts and tokens."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.state['pg_port']} user=postgres", autocommit=True) as c:
            if not c.execute("SELECT 1 FROM pg_database WHERE datname = 'sohoa'").fetchone():
                c.execute("CREATE DATABASE sohoa")
        # Migrations run here, once, as the one-shot `migrate` service does in deploy/compose.yaml.
        code = (
            "import sys, json\n"
            "from workers.service import Service, settings_from_env\n"
            "svc = Service(settings_from_env())\n"
            "svc.ctx\n"
            "users = {u.username for u in svc.users_list()}\n"
            "out = {}\n"
            "if 'clerk_token' in sys.argv:\n"
            f"    pw = sys.argv[2]\n"
            f"    if {CLERK!r} not in users: svc.users_add({CLERK!r}, pw, roles=['reception'], by='stack')\n"
            f"    if {ADMIN!r} not in users: svc.users_add({ADMIN!r}, pw, roles=['admin'], by='stack')\n"
            f"    out['clerk_token'] = svc.token_create({CLERK!r}, ['submit', 'read'], days=366, name='stack',"
            " by='stack')\n"
            f"    out['admin_token'] = svc.token_create({ADMIN!r}, ['submit', 'read', 'review'], days=366,"
            " name='stack', by='stack')\n"
            "svc.close()\n"
            "print(json.dumps(out))\n"
        )
        args = [sys.executable, "-c", code]
        if "clerk_token" not in self.state:
            args += ["clerk_token", secrets.token_urlsafe(18)]
        done = subprocess.run(args, env=self.child_env(), capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            raise StackError(f"migrations / accounts failed:\n{done.stderr[-3000:]}")
        self.state.update(json.loads(done.stdout.strip().splitlines()[-1]))
        self.save()

    def ready_check(self, name: str) -> Callable[[], bool]:
        """``/readyz`` answers 200: the web's port, or the worker's metrics port."""
        port = self.state["web_port"] if name == "web" else self.state["worker_ports"][name]
        return lambda: http_ok(f"http://127.0.0.1:{port}/readyz")

    def start_web(self, *, wait: bool = True) -> None:
        if not self.pid("web"):
            self.spawn("web", [sys.executable, "-m", "sohoa", "serve"], self.child_env())
        if wait:
            self.wait("web", self.ready_check("web"))

    def start_worker(self, number: int) -> None:
        name = f"worker-{number}"
        if self.pid(name):
            return
        ports = self.state.setdefault("worker_ports", {})
        if name not in ports:
            ports[name] = redis_server.free_port()
            self.save()
        env = self.child_env(SOHOA_METRICS_PORT=str(ports[name]))
        self.spawn(name, [sys.executable, "-m", "sohoa", "worker", "--name", name], env)

    def scale(self, count: int, also_wait: Sequence[str] = ()) -> None:
        """Start workers 1..count (those not running), stop those numbered above ``count``; wait until every
        worker (and ``also_wait``) is ready."""
        for name in self.worker_names():
            if int(name.split("-")[1]) > count:
                self.stop(name)
                (self.pids / f"{name}.pid").unlink(missing_ok=True)
        for number in range(1, count + 1):
            self.start_worker(number)
        for name in [*also_wait, *(f"worker-{n}" for n in range(1, count + 1))]:
            self.wait(name, self.ready_check(name))

    # -- stopping -----------------------------------------------------------------------------------------

    def stop(self, name: str) -> None:
        """SIGTERM the process's group (a worker finishes its page), SIGKILL what is left after the timeout."""
        pid = self.pid(name)
        if pid is None:
            return
        if name == "postgres":
            bindir = pg.find_bindir()
            cmd = [str(bindir / "pg_ctl"), "stop", "-D", str(self.root / "pg" / "data"), "-m", "fast", "-w"]
            if os.geteuid() == 0:
                cmd = ["runuser", "-u", pg.SERVER_USER, "--", *cmd]
            subprocess.run(cmd, capture_output=True, timeout=90, cwd=self.root / "pg")
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while time.monotonic() < deadline and group_alive(pid):
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)

    def down(self) -> None:
        """Workers first (no job is cut off by a missing database), then web, then the servers."""
        for group in (self.worker_names(), ["web"], ["weed", "redis", "postgres"]):
            started = time.monotonic()
            with ThreadPoolExecutor(max(1, len(group))) as pool:
                list(pool.map(self.stop, group))
            if group:
                say(f"stopped {', '.join(group)}: {time.monotonic() - started:.1f} s")

    def status(self) -> list[tuple[str, int | None, int | None, bool]]:
        """(name, pid, port, ready) of every process of the stack."""
        s = self.state
        if not s:
            return []
        rows = [
            ("postgres", s["pg_port"], lambda: self.pid("postgres") is not None and pg_answers(s["pg_port"])),
            ("redis", s["redis_port"], lambda: redis_server.answers_ping(s["redis_port"])),
            ("weed", s["weed_ports"][3], self.s3_answers),
            ("web", s["web_port"], self.ready_check("web")),
        ]
        rows += [(name, s["worker_ports"][name], self.ready_check(name)) for name in self.worker_names()]
        out = []
        for name, port, ready in rows:
            pid = self.pid(name)
            out.append((name, pid, port, pid is not None and bool(ready())))
        return out


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def shell_quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def tail(path: Path, size: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-size:]
    except OSError:
        return ""


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def pg_answers(port: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=sohoa", connect_timeout=2):
            return True
    except Exception:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stack.sh", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up", "down", "status", "workers"])
    parser.add_argument("count", nargs="?", type=int, help="workers N: how many workers to run")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    stack = Stack(args.dir)
    try:
        if args.command == "up":
            stack.up(args.workers)
            print(f"sohoa stack up: {stack.root / 'stack.env'}")
        elif args.command == "down":
            stack.down()
        elif args.command == "workers":
            if args.count is None or args.count < 0:
                parser.error("workers N: N is a number of workers (0 or more)")
            if not stack.state:
                parser.error(f"no stack in {stack.root}: run `stack.sh up` first")
            stack.scale(args.count)
        else:
            for name, pid, port, ready in stack.status():
                print(f"{name}\t{pid or '-'}\t{port or '-'}\t{'ready' if ready else 'not-ready'}")
    except StackError as exc:
        print(f"stack.sh {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
