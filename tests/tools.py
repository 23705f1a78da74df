"""External programs the tests use, found on PATH: a missing one fails with the Debian package that brings it."""

import shutil


def program(name: str, package: str = "poppler-utils") -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: install the Debian package {package} (make test does)"
    return path
