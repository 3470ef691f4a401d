"""Bayesian media-mix model in PyMC: spec -> model -> fit -> immutable results.

Example
-------
>>> from attribution.mmm import MMM, load_spec, load        # doctest: +SKIP
>>> res = MMM(load_spec("data/mmm_config.toml"), seed=1).fit(panel)
>>> res.to_frame()
"""

from attribution.mmm.fit import MMM
from attribution.mmm.io import load, save
from attribution.mmm.priors import DEFAULT_PRIORS, ChannelPriors, Prior
from attribution.mmm.results import MMMResults
from attribution.mmm.spec import ChannelSpec, MMMSpec, load_spec, spec_from_dict

__all__ = [
    "DEFAULT_PRIORS",
    "MMM",
    "ChannelPriors",
    "ChannelSpec",
    "MMMResults",
    "MMMSpec",
    "Prior",
    "load",
    "load_spec",
    "save",
    "spec_from_dict",
]
