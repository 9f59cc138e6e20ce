"""aggregator.imports.load: a library imported without an extra it would load."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aggregator import imports

NAMES = ("library_with_extra", "optional_extra")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on the import path for the modules of a test (unloaded afterwards)."""
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "optional_extra.py").write_text("LOADED = True\n", encoding="utf-8")
    yield tmp_path
    for name in NAMES:
        sys.modules.pop(name, None)


def library(folder: Path, source: str) -> None:
    (folder / "library_with_extra.py").write_text(source, encoding="utf-8")


def test_the_library_loads_without_the_extra_and_the_extra_stays_importable(
        folder: Path) -> None:
    library(folder, "try:\n    import optional_extra\nexcept ImportError:\n"
                    "    optional_extra = None\n")
    imports.load("library_with_extra", without=["optional_extra"])
    assert sys.modules["library_with_extra"].optional_extra is None
    assert "optional_extra" not in sys.modules
    assert importlib.import_module("optional_extra").LOADED


def test_a_library_that_cannot_do_without_the_extra_loads_with_it(folder: Path) -> None:
    """A later version that needs the extra after all costs time, not a crash."""
    library(folder, "import optional_extra\n")
    imports.load("library_with_extra", without=["optional_extra"])
    assert sys.modules["library_with_extra"].optional_extra.LOADED


def test_another_missing_module_is_still_an_error(folder: Path) -> None:
    library(folder, "import optional_extra\nimport no_such_module_anywhere\n")
    with pytest.raises(ImportError) as raised:
        imports.load("library_with_extra", without=["optional_extra"])
    assert raised.value.name == "no_such_module_anywhere"
    assert sys.modules["optional_extra"].LOADED  # tried again with it, and not hidden


def test_a_library_loaded_already_is_left_as_it_is(folder: Path) -> None:
    library(folder, "import optional_extra\n")
    loaded = importlib.import_module("library_with_extra")
    imports.load("library_with_extra", without=["optional_extra"])
    assert sys.modules["library_with_extra"] is loaded
    assert sys.modules["optional_extra"].LOADED


def test_httpx_loads_without_its_command_line_client() -> None:
    """What fetch.py and network.py rely on, with the httpx installed here (in a fresh
    interpreter, as the test process may have loaded httpx already)."""
    script = ("import sys\n"
              "from aggregator import fetch\n"
              "import httpx\n"
              "print('httpx._main' in sys.modules, 'pygments' in sys.modules, "
              "callable(httpx.main))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "False", "True"]
