"""Result objects of path attribution: immutable, with tables for notebooks and files."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from attribution.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:  # imported on first use (attribution.lazy)
    pd = lazy_module("pandas")

from attribution.findings import Finding


@dataclass(frozen=True)
class Credit:
    """Credit of one attribution model: conversions and value per channel.

    ``conversions_ci`` / ``value_ci`` are (n_channels, 2) arrays of bootstrap
    interval bounds, or None when no bootstrap was run. ``tables`` holds
    model-specific detail (transition matrix, removal effects, ...).
    """

    model: str
    channels: tuple[str, ...]
    conversions: np.ndarray
    value: np.ndarray
    conversions_ci: np.ndarray | None = None
    value_ci: np.ndarray | None = None
    tables: Mapping[str, pd.DataFrame] = field(default_factory=lambda: MappingProxyType({}))
    findings: tuple[Finding, ...] = ()

    def __post_init__(self) -> None:
        for name in ("conversions", "value", "conversions_ci", "value_ci"):
            arr = getattr(self, name)
            if arr is not None:
                arr = np.array(arr, dtype=float)
                arr.setflags(write=False)
                object.__setattr__(self, name, arr)
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))

    def to_frame(self) -> pd.DataFrame:
        """Long table: model, channel, conversions, value, ci_low, ci_high (+ value CI)."""
        return pd.DataFrame(self.to_columns())

    def to_columns(self) -> dict[str, list[str] | np.ndarray]:
        """The columns of :meth:`to_frame` (text as lists, numbers as arrays)."""
        n = len(self.channels)
        nan = np.full((n, 2), np.nan)
        cci = self.conversions_ci if self.conversions_ci is not None else nan
        vci = self.value_ci if self.value_ci is not None else nan
        return {
            "model": [self.model] * n,
            "channel": list(self.channels),
            "conversions": self.conversions,
            "value": self.value,
            "ci_low": cci[:, 0],
            "ci_high": cci[:, 1],
            "value_ci_low": vci[:, 0],
            "value_ci_high": vci[:, 1],
        }

    def share(self) -> pd.Series:
        """Each channel's share of the credited conversions."""
        total = float(np.sum(self.conversions))
        return pd.Series(
            self.conversions / total if total else self.conversions,
            index=list(self.channels),
            name=self.model,
        )


class LazyTables(Mapping[str, "pd.DataFrame"]):
    """Read-only mapping of named tables, each built on first access and then kept.

    A fit names its detail tables (transition matrix, removal effects ...) at once but
    builds a table only when someone reads it: the command line writes them only with
    ``--tables``.

    Example
    -------
    >>> t = LazyTables({"a": lambda: pd.DataFrame({"x": [1]})})
    >>> list(t), t["a"]["x"].tolist()
    (['a'], [1])
    """

    def __init__(self, makers: Mapping[str, Callable[[], pd.DataFrame]]) -> None:
        self._makers = dict(makers)
        self._built: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._built:
            self._built[name] = self._makers[name]()
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)

    def __repr__(self) -> str:
        return f"LazyTables({list(self._makers)})"
