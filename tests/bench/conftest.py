"""What the tests of ``bench/`` share: importing a benchmark script by its path.

The scripts are not a package (each puts ``bench/`` on ``sys.path`` to import
``_common``), so a test loads one from its file.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="session")
def load_script() -> Callable[[str], ModuleType]:
    """A function that imports ``bench/<name>.py`` once, as module ``bench_<name>``
    (registered in ``sys.modules``: dataclasses look their module up by name)."""

    def load(name: str) -> ModuleType:
        module_name = f"bench_{name}"
        if module_name in sys.modules:
            return sys.modules[module_name]
        spec = importlib.util.spec_from_file_location(module_name, BENCH / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        return module

    return load
