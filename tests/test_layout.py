"""platform/ is a source root, not a package: the standard library's platform must win."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _python_in_repository_root(code: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout.split()


def test_standard_library_platform_still_imports_from_the_repository_root():
    path, system = _python_in_repository_root(
        "import platform; print(platform.__file__); print(platform.system())"
    )
    assert Path(path).parent == Path(sysconfig.get_paths()["stdlib"])
    assert system == "Linux"


def test_platform_folder_has_no_init_file():
    assert (ROOT / "platform").is_dir()
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_control_plane_packages_import_from_the_platform_folder():
    paths = _python_in_repository_root(
        "import haven, accounts, console, insights; "
        "print(*(m.__file__ for m in (haven, accounts, console, insights)))"
    )
    assert all(Path(p).is_relative_to(ROOT / "platform") for p in paths)
