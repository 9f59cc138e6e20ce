"""aggregator.imports.without: a module hidden while a library is imported."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aggregator.imports import without


@pytest.fixture
def extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An importable module nobody has loaded yet (unloaded again afterwards)."""
    (tmp_path / "optional_extra.py").write_text("LOADED = True\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "optional_extra"
    sys.modules.pop("optional_extra", None)


def test_a_hidden_module_cannot_be_imported_in_the_block_and_can_after(extra: str
                                                                       ) -> None:
    with without(extra), pytest.raises(ImportError):
        importlib.import_module(extra)
    assert importlib.import_module(extra).LOADED


def test_a_module_loaded_already_stays_usable(extra: str) -> None:
    loaded = importlib.import_module(extra)
    with without(extra):
        assert importlib.import_module(extra) is loaded
    assert sys.modules[extra] is loaded


def test_the_module_is_visible_again_when_the_import_fails(extra: str) -> None:
    with pytest.raises(RuntimeError), without(extra):
        raise RuntimeError("an import in the block failed")
    assert extra not in sys.modules
    assert importlib.import_module(extra).LOADED


def test_httpx_without_its_command_line_client_falls_back_to_its_stub() -> None:
    """What fetch.py relies on: httpx imports without ``httpx._main`` (checked in a
    fresh interpreter, as the test process may have loaded httpx already)."""
    script = ("import sys\n"
              "from aggregator import fetch\n"
              "import httpx\n"
              "print('httpx._main' in sys.modules, callable(httpx.main), "
              "httpx.AsyncHTTPTransport is not None)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "True", "True"]
