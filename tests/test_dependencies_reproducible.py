"""Issue 11 item 9, "dependencies are reproducible": every machine installs the same files, checked by hash.

requirements/build.lock and requirements/sohoa.lock (made by `make lock`) pin every package, transitive ones
included, with the sha256 of its files; scripts/setup.sh installs only from them. These tests fail when
pyproject.toml changes without a re-lock, when a lock entry is loose or unhashed, and when the virtualenv
the tests run in is not exactly the lock.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
BUILD_LOCK = ROOT / "requirements" / "build.lock"
SOHOA_LOCK = ROOT / "requirements" / "sohoa.lock"
LOCKS = (BUILD_LOCK, SOHOA_LOCK)
UPPER_BOUND_OPERATORS = {"<", "<=", "==", "~=", "==="}


@dataclass
class LockEntry:
    """One requirement of a lock file, with its `--hash` options."""

    requirement: Requirement
    hashes: list[str] = field(default_factory=list)


@dataclass
class Lock:
    """A pip requirements file as `uv pip compile --generate-hashes` writes it."""

    entries: dict[NormalizedName, LockEntry]
    options: list[str]

    def version(self, name: str) -> Version:
        """The pinned version of ``name``."""
        (spec,) = self.entries[canonicalize_name(name)].requirement.specifier
        return Version(spec.version)


def read_lock(path: Path) -> Lock:
    """Parse a hash lock: backslash continuations joined, comments dropped, option lines kept apart."""
    text = re.sub(r"\\\n", " ", path.read_text(encoding="utf-8"))
    entries: dict[NormalizedName, LockEntry] = {}
    options: list[str] = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            options.append(line)
            continue
        words = line.split()
        requirement = Requirement(words[0])
        name = canonicalize_name(requirement.name)
        assert name not in entries, f"{path.name}: {name} is listed twice"
        hashes = [word.removeprefix("--hash=") for word in words[1:] if word.startswith("--hash=")]
        assert len(hashes) == len(words) - 1, f"{path.name}: {line[:80]}: only --hash options may follow a pin"
        entries[name] = LockEntry(requirement, hashes)
    return Lock(entries, options)


def pyproject_requirements() -> list[Requirement]:
    """sohoa's runtime dependencies and its `dev` extra, as pyproject.toml declares them."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]


def build_requirements() -> list[Requirement]:
    """The build tools: pyproject.toml's build-system and requirements/build.in."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    lines = (ROOT / "requirements" / "build.in").read_text(encoding="utf-8").splitlines()
    declared = [line.split("#", 1)[0].strip() for line in lines]
    return [Requirement(r) for r in pyproject["build-system"]["requires"] + [d for d in declared if d]]


def installed_distributions() -> dict[NormalizedName, str]:
    """Name and version of every distribution installed in this virtualenv (not on the source tree's path)."""
    site = Path(sys.prefix).resolve()
    found: dict[NormalizedName, str] = {}
    for dist in importlib.metadata.distributions():
        if Path(str(dist.locate_file(""))).resolve().is_relative_to(site):
            found[canonicalize_name(dist.metadata["Name"])] = dist.version
    return found


@pytest.fixture(scope="module")
def build_lock() -> Lock:
    return read_lock(BUILD_LOCK)


@pytest.fixture(scope="module")
def sohoa_lock() -> Lock:
    return read_lock(SOHOA_LOCK)


def test_every_locked_requirement_is_pinned_with_a_hash(build_lock: Lock, sohoa_lock: Lock) -> None:
    for path, lock in ((BUILD_LOCK, build_lock), (SOHOA_LOCK, sohoa_lock)):
        assert lock.entries, f"{path.name} lists no package"
        for name, entry in lock.entries.items():
            specs = list(entry.requirement.specifier)
            assert len(specs) == 1 and specs[0].operator == "==" and "*" not in specs[0].version, (
                f"{path.name}: {entry.requirement} is not pinned to one version with =="
            )
            assert entry.requirement.url is None and entry.requirement.marker is None, f"{path.name}: {name}"
            assert entry.hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in entry.hashes), (
                f"{path.name}: {name} has no sha256 --hash"
            )


def test_every_pyproject_dependency_is_locked_within_its_bounds(build_lock: Lock, sohoa_lock: Lock) -> None:
    """A dependency added or re-bounded in pyproject.toml without `make lock` fails here."""
    for lock_name, lock, requirements in (
        ("sohoa.lock", sohoa_lock, pyproject_requirements()),
        ("build.lock", build_lock, build_requirements()),
    ):
        for requirement in requirements:
            name = canonicalize_name(requirement.name)
            assert name in lock.entries, f"{requirement} is not in requirements/{lock_name}: run make lock"
            locked = lock.version(name)
            assert requirement.specifier.contains(locked, prereleases=True), (
                f"requirements/{lock_name} has {name}=={locked}, outside pyproject's {requirement}: run make lock"
            )


def test_every_dependency_has_an_upper_bound_where_its_api_may_break() -> None:
    for requirement in pyproject_requirements():
        operators = {spec.operator for spec in requirement.specifier}
        assert operators & UPPER_BOUND_OPERATORS, f"{requirement} has no upper bound (next major, or a pin)"


def test_the_lock_holds_the_dependencies_of_every_locked_package(sohoa_lock: Lock) -> None:
    """The lock is closed: what each locked package requires (with the extras asked for) is locked too."""
    environment = default_environment()
    wanted: list[tuple[Requirement, str]] = [(r, "pyproject.toml") for r in pyproject_requirements()]
    seen: set[tuple[NormalizedName, str]] = set()
    while wanted:
        requirement, by = wanted.pop()
        name = canonicalize_name(requirement.name)
        assert name in sohoa_lock.entries, f"{requirement} (required by {by}) is not in requirements/sohoa.lock"
        locked = sohoa_lock.version(name)
        assert requirement.specifier.contains(locked, prereleases=True), (
            f"{by} requires {requirement}, the lock has {name}=={locked}"
        )
        for extra in {"", *requirement.extras}:
            if (name, extra) in seen:
                continue
            seen.add((name, extra))
            for text in importlib.metadata.requires(name) or []:
                needed = Requirement(text)
                if needed.marker is None or needed.marker.evaluate({**environment, "extra": extra}):
                    wanted.append((needed, f"{name}[{extra}]" if extra else name))


def test_the_virtualenv_is_exactly_the_lock(build_lock: Lock, sohoa_lock: Lock) -> None:
    """Same packages, same versions: nothing installed by hand, nothing left from an older lock."""
    locked = {name: lock.version(name) for lock in (sohoa_lock, build_lock) for name in lock.entries}
    installed = installed_distributions()
    installed.pop(canonicalize_name("sohoa"), None)
    assert sorted(set(installed) - set(locked)) == [], "installed but not locked"
    assert sorted(set(locked) - set(installed)) == [], "locked but not installed: run make setup"
    wrong = {
        name: (installed[name], str(version)) for name, version in locked.items() if Version(installed[name]) != version
    }
    assert wrong == {}, "installed version differs from the lock (installed, locked)"


def test_the_virtualenv_was_installed_from_the_current_locks() -> None:
    """scripts/setup.sh stamps the virtualenv with a hash of the files it installs from, locks included, and
    installs again when that hash changes: a changed lock therefore never leaves an older install in use."""
    stamp = Path(sys.prefix) / ".sohoa-installed"
    assert stamp.exists(), f"{sys.prefix} was not made by scripts/setup.sh"
    files = [ROOT / "pyproject.toml", ROOT / "scripts" / "setup.sh", BUILD_LOCK, SOHOA_LOCK]
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    assert stamp.read_text().strip() == digest, "the locks or pyproject.toml changed since make setup"


def test_tesserocr_is_built_from_source_against_the_systems_tesseract(sohoa_lock: Lock) -> None:
    """tesserocr's wheels bundle their own Tesseract; sohoa's must be Debian's, which has the vie data."""
    assert "--no-binary tesserocr" in sohoa_lock.options
    wheel = importlib.metadata.distribution("tesserocr").read_text("WHEEL") or ""
    tags = [line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")]
    assert tags and all(tag.split("-")[-1].startswith("linux_") for tag in tags), f"a registry wheel: {tags}"
    import tesserocr

    system = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, check=True).stdout
    assert tesserocr.tesseract_version().splitlines()[0] == system.splitlines()[0]
