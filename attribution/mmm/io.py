"""Save and load fitted models: NetCDF (ArviZ DataTree) plus the spec as JSON. No pickle.

Layout written by :func:`save` into a folder (``<run>/mmm``)::

    posterior.nc    posterior + sample stats + the panel ("constant_data" group);
                    root attributes hold the spec, scaling, settings and findings as JSON
    spec.json       the same spec, scaling and settings, readable
    channels.csv    the per-channel table

:func:`load` rebuilds :class:`MMMResults` that answer every query with the same numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from attribution import rundir as R
from attribution.errors import UsageError
from attribution.findings import Finding
from attribution.io import atomic_path, write_csv, write_json
from attribution.mmm.analysis import contributions_over_time, decomposition, response_curves
from attribution.mmm.diagnostics import diagnostics_table
from attribution.mmm.panel import Panel, Scaling
from attribution.mmm.results import MMMResults
from attribution.mmm.spec import spec_from_dict

FORMAT = "attribution.mmm/1"


def _panel_dataset(panel: Panel) -> Any:
    import xarray as xr

    ds = xr.Dataset(
        {
            "sales": (("week", "geo"), panel.y),
            "media": (("week", "geo", "channel"), panel.media),
            "controls": (("week", "geo", "control"), panel.controls),
        },
        coords={
            "week": panel.dates.astype(str).astype(object),
            "geo": np.array(panel.geos, dtype=object),
            "channel": np.array(panel.channels, dtype=object),
            "control": np.array(panel.control_names, dtype=object),
        },
    )
    if panel.driver is not None:  # impressions that drive some channels
        ds["driver"] = (("week", "geo", "channel"), panel.driver)
    return ds


def _meta(res: MMMResults) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "spec": res.spec.to_dict(),
        "scaling": res.scaling.to_dict(),
        "n_train": res.n_train,
        "settings": res.settings,
        "findings": [f.to_dict() for f in res.findings],
        "unidentified": list(res.unidentified),
        "identification_seed": res.identification_seed,
    }


def save(res: MMMResults, folder: str | Path) -> Path:
    """Write ``posterior.nc``, ``spec.json`` and ``channels.csv`` into ``folder``.

    Example
    -------
    >>> save(res, "runs/2026q3/mmm")     # doctest: +SKIP
    """
    import xarray as xr

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    meta = _meta(res)
    groups: dict[str, Any] = {}
    if res.idata is not None:
        for name in ("posterior", "sample_stats"):
            if name in res.idata:
                ds = res.idata[name].to_dataset()
                groups[name] = _netcdf_safe(ds)
    else:
        groups["posterior"] = xr.Dataset(
            {
                k: (("draw", *[f"{k}_dim_{i}" for i in range(v.ndim - 1)]), v)
                for k, v in res.posterior.items()
            }
        )
    groups["constant_data"] = _panel_dataset(res.panel)
    tree = xr.DataTree.from_dict({f"/{k}": v for k, v in groups.items()})
    tree.attrs = {"attribution_mmm": json.dumps(meta, default=_default, sort_keys=True)}
    with atomic_path(folder / _name(R.MMM_POSTERIOR)) as tmp:
        tree.to_netcdf(tmp, engine="netcdf4" if _has("netCDF4") else None)
    write_json(folder / _name(R.MMM_SPEC), meta)
    write_csv(folder / _name(R.MMM_CHANNELS_CSV), _checked(R.MMM_CHANNELS_CSV, res.to_frame()))
    return folder / _name(R.MMM_POSTERIOR)


def _netcdf_safe(ds: Any) -> Any:
    ds = ds.copy()
    for k in list(ds.data_vars) + list(ds.coords):
        if ds[k].dtype == bool:
            ds[k] = ds[k].astype("int8")
    for k, v in list(ds.attrs.items()):
        if not isinstance(v, str | int | float):
            ds.attrs[k] = str(v)
    return ds


def _has(mod: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(mod) is not None


def _default(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    return str(o)


def load(path: str | Path) -> MMMResults:
    """Load a model saved by :func:`save`.

    Parameters
    ----------
    path : ``posterior.nc``, the folder holding it, or a run folder with ``mmm/posterior.nc``.

    Returns
    -------
    :class:`MMMResults` answering the same queries with the same numbers.
    """
    import xarray as xr

    path = Path(path)
    for cand in (path, path / _name(R.MMM_POSTERIOR), path / R.MMM_POSTERIOR):
        if cand.is_file():
            path = cand
            break
    else:
        raise UsageError(f"no fitted media-mix model at {path} (expected posterior.nc)")
    with xr.open_datatree(path) as opened:  # closed at once: no HDF5 handle outlives the read
        tree = opened.load()
    try:
        meta = json.loads(tree.attrs["attribution_mmm"])
    except (KeyError, ValueError):
        raise UsageError(f"{path} is not a model saved by attribution (no spec inside)") from None
    if meta.get("format") != FORMAT:
        raise UsageError(f"{path}: unsupported model format {meta.get('format')!r}")
    spec = spec_from_dict(meta["spec"])
    cd = tree["constant_data"].to_dataset()
    panel = Panel(
        np.asarray(cd["week"].values.astype(str), dtype="datetime64[D]"),
        tuple(str(g) for g in cd["geo"].values),
        np.asarray(cd["sales"].values),
        np.asarray(cd["media"].values),
        np.asarray(cd["controls"].values),
        tuple(str(c) for c in cd["channel"].values),
        tuple(str(c) for c in cd["control"].values),
        driver=np.asarray(cd["driver"].values) if "driver" in cd else None,
    )
    post = tree["posterior"].to_dataset()
    arrays = {}
    for name in post.data_vars:
        a = np.asarray(post[name].values)
        if "chain" in post[name].dims:
            a = a.reshape(a.shape[0] * a.shape[1], *a.shape[2:])
        arrays[str(name)] = a
    findings = tuple(Finding(**f) for f in meta.get("findings", []))
    return MMMResults(
        spec=spec,
        scaling=Scaling.from_dict(meta["scaling"]),
        panel=panel,
        n_train=int(meta["n_train"]),
        posterior=arrays,
        idata=tree,
        settings=meta.get("settings", {}),
        findings=findings,
        unidentified=tuple(meta.get("unidentified", ())),
        identification_seed=int(meta.get("identification_seed", 0)),
    )


def _name(rel: str) -> str:
    """A run directory's ``mmm/...`` name, inside the model folder."""
    return Path(rel).name


def _checked(name: str, frame: Any) -> Any:
    R.check_columns(name, frame.columns)
    return frame


def write_outputs(res: MMMResults, folder: str | Path) -> list[Path]:
    """Everything a run keeps of a fit: :func:`save` plus the analysis tables.

    Writes ``posterior.nc``, ``spec.json``, ``channels.csv``, ``contributions.csv``,
    ``decomposition.csv``, ``response_curves.csv`` and ``diagnostics.json`` into
    ``folder``; returns their paths.

    Example
    -------
    >>> write_outputs(res, "runs/2026q3/mmm")     # doctest: +SKIP
    """
    folder = Path(folder)
    save(res, folder)
    written = [folder / _name(n) for n in (R.MMM_POSTERIOR, R.MMM_SPEC, R.MMM_CHANNELS_CSV)]
    for name, frame in (
        (R.MMM_CONTRIBUTIONS_CSV, contributions_over_time(res)),
        (R.MMM_DECOMPOSITION_CSV, decomposition(res)),
        (R.MMM_RESPONSE_CURVES_CSV, response_curves(res)),
    ):
        written.append(write_csv(folder / _name(name), _checked(name, frame)))
    written.append(
        write_json(
            folder / _name(R.MMM_DIAGNOSTICS_JSON),
            {"findings": [f.to_dict() for f in res.findings], **diagnostics_table(res)},
        )
    )
    return written
