"""Deferred imports of heavy libraries: a module is imported on first attribute use.

``attribution mta`` on a clean path table needs only numpy and pyarrow; importing
pandas and scipy would cost it more CPU time than reading a large CSV file. Modules
on that path bind ``pd = lazy_module("pandas")`` (under ``TYPE_CHECKING`` the real
import, for type checkers), so a command pays for a library only when it calls it.
This defers loading only; it never hides an import cycle (the libraries named here
are third-party and never import this package).

Example
-------
>>> np_lazy = lazy_module("numpy")
>>> np_lazy.arange(3).tolist()
[0, 1, 2]
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for the module ``name``; imports it on first attribute access."""

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = importlib.import_module(self._name)
            self._module = module
        return getattr(module, attr)

    def __repr__(self) -> str:
        state = "loaded" if self._module is not None else "not loaded yet"
        return f"<lazy module {self._name!r} ({state})>"


def lazy_module(name: str) -> Any:
    """A stand-in for ``importlib.import_module(name)`` that imports on first use."""
    return LazyModule(name)
