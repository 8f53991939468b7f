"""Download Dagster's source distribution once, and extract it, into the git-ignored cache.

``pip download --no-deps --no-binary :all: dagster==0.13.19`` brings the sdist, which holds the
``dagster_tests`` package beside ``dagster``. Nothing from it is stored in the repository.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

DAGSTER_VERSION = "0.13.19"
SDIST_NAME = f"dagster-{DAGSTER_VERSION}"


class FetchError(RuntimeError):
    """The sdist could not be downloaded or extracted."""


def download(cache: Path) -> Path:
    """Return the sdist archive in ``cache``, downloading it with pip when absent."""
    archive = cache / f"{SDIST_NAME}.tar.gz"
    if archive.exists():
        return archive
    cache.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--no-binary",
        ":all:",
        "--disable-pip-version-check",
        "-q",
        "-d",
        str(cache),
        f"dagster=={DAGSTER_VERSION}",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0 or not archive.exists():
        raise FetchError(f"pip could not download {SDIST_NAME}:\n{completed.stderr.strip()}")
    return archive


def extract(archive: Path, cache: Path) -> Path:
    """Extract ``archive`` into ``cache`` once; return the sdist's root folder."""
    root = cache / SDIST_NAME
    if (root / "dagster_tests").is_dir():
        return root
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.10.12 / 3.11.4: refuse unsafe members
            tar.extractall(cache, filter="data")
        else:
            tar.extractall(cache)  # older Pythons: a pinned release from PyPI
    if not (root / "dagster_tests").is_dir():
        raise FetchError(f"{archive.name} has no dagster_tests folder")
    return root


def fetch(cache: Path) -> Path:
    """Download (if needed) and extract the sdist; return its root folder."""
    return extract(download(cache), cache)
