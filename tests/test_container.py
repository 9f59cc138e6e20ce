"""The container's contract without a Docker engine: the Dockerfile's exact command
line, environment and health check, run as a non-root user from a fresh virtual
environment with the package installed the way the image installs it."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import feed_route, write_config
from httpfixture import FixtureServer

ROOT = Path(__file__).parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
NOBODY = 65534


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = DOCKERFILE.replace("\\\n", " ")
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def image_environment() -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in instructions():
        if word == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def instruction(name: str) -> str:
    values = [rest for word, rest in instructions() if word == name]
    assert len(values) == 1, f"expected one {name} in the Dockerfile"
    return values[0]


def test_dockerfile_declares_the_contract() -> None:
    assert json.loads(instruction("CMD")) == ["aggregator", "run"]
    assert instruction("EXPOSE") == "8080"
    assert json.loads(instruction("VOLUME")) == ["/data"]
    user = instruction("USER")
    assert user.split(":")[0] not in ("0", "root")
    env = image_environment()
    assert env["AGGREGATOR_DATABASE"].startswith("/data/")
    assert env["AGGREGATOR_OUTPUT_DIR"].startswith("/data/")
    assert env["AGGREGATOR_HOST"] == "0.0.0.0" and env["AGGREGATOR_PORT"] == "8080"
    assert instruction("FROM").startswith("python:3.11-slim")
    assert "healthz" in instruction("HEALTHCHECK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def runnable_by_everyone(path: Path) -> bool:
    """Whether any user may run ``path``: it and every folder above it are open to
    others (the image's Python is; a Python under /root, as pyenv installs it, is not)."""
    path = path.resolve()
    return all(os.stat(folder).st_mode & 0o001 for folder in (path, *path.parents))


def image_python() -> str:
    """A Python 3.11+ the image's user can run, as the image's /usr/local/bin/python."""
    candidates = [sys._base_executable, "/usr/local/bin/python3", "/usr/bin/python3"]
    for candidate in candidates:
        if Path(candidate).exists() and runnable_by_everyone(Path(candidate)) and \
                subprocess.run([candidate, "-c", "import sys, venv; "
                                "sys.exit(sys.version_info < (3, 11))"]).returncode == 0:
            return candidate
    pytest.skip(f"no Python 3.11+ with venv that any user may run among {candidates}")


@pytest.fixture(scope="module")
def image_root() -> Iterator[Path]:
    """A folder any user can read, with a fresh venv holding the installed package."""
    root = Path(tempfile.mkdtemp(prefix="aggregator-image-"))
    root.chmod(0o755)
    venv = root / "venv"
    subprocess.run([image_python(), "-m", "venv", str(venv)], check=True, timeout=120)
    source = root / "app"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "data", "tests", "bench", "*.egg-info", "__pycache__", ".*cache"))
    subprocess.run([str(venv / "bin/pip"), "install", "--quiet", "--no-cache-dir", str(source)],
                   check=True, timeout=600)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="switching to a non-root user needs root")
def test_image_command_runs_as_non_root(image_root: Path) -> None:
    data = image_root / "data"
    data.mkdir()
    os.chown(data, NOBODY, NOBODY)
    config = image_root / "etc" / "feeds.toml"
    config.parent.mkdir()
    shutil.copy(ROOT / "feeds.toml", config)
    port = free_port()
    env = {**image_environment(), "PATH": f"{image_root / 'venv/bin'}:/usr/bin:/bin",
           "HOME": str(data), "AGGREGATOR_CONFIG": str(config),
           "AGGREGATOR_DATABASE": str(data / "aggregator.db"),
           "AGGREGATOR_OUTPUT_DIR": str(data / "public"), "AGGREGATOR_PORT": str(port),
           "AGGREGATOR_HOST": "127.0.0.1"}  # the image's 0.0.0.0, kept to loopback in tests
    command = json.loads(instruction("CMD"))
    process = subprocess.Popen(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command],
        env=env, cwd=data, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.2)
        health = json.loads(instruction("HEALTHCHECK").split("CMD", 1)[1])
        check = subprocess.run(health, env=env, timeout=30)
        assert check.returncode == 0
        assert (data / "aggregator.db").stat().st_uid == NOBODY
        assert (data / "public" / "feed.atom").exists()
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
        assert process.returncode == 0, output
        lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
        assert any(line.get("event") == "start" for line in lines)  # JSON logs on stdout
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="switching to a non-root user needs root")
def test_a_feed_is_parsed_by_the_installed_package_as_non_root(
        image_root: Path, server: FixtureServer) -> None:
    """The parser worker processes (fork server, language model) work for the image's
    user, from the package installed the way the image installs it."""
    work = Path(tempfile.mkdtemp(prefix="fetch-", dir=image_root))
    config = write_config(work, [{"id": "uk", "name": "UK",
                                  "url": server.add("/uk", feed_route("uk-rss2.xml"))}])
    (work / "data").mkdir()
    for path in (work, work / "data", config):
        os.chown(path, NOBODY, NOBODY)
    env = {**image_environment(), "PATH": f"{image_root / 'venv/bin'}:/usr/bin:/bin",
           "HOME": str(work), "AGGREGATOR_DATABASE": str(work / "data" / "aggregator.db"),
           "AGGREGATOR_OUTPUT_DIR": str(work / "data" / "public")}
    done = subprocess.run(
        ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
         "aggregator", "fetch", "--config", str(config)],
        env=env, cwd=work, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 new" in done.stdout and "0 failed" in done.stdout, done.stdout
    feed = (work / "data" / "public" / "feed.atom").read_bytes()
    assert feed.count(b"<entry") == 2
