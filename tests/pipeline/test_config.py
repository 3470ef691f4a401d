from pathlib import Path

import pytest

from attribution.errors import UsageError
from attribution.pipeline.config import RunConfig, config_from_dict, load_config


def test_load_config_resolves_paths_and_types(tmp_path):
    cfg_file = tmp_path / "q3.toml"
    cfg_file.write_text(
        '[run]\nname = "2026-Q3"\nout = "runs/q3"\nseed = 7\n'
        '[inputs]\nmedia = "data/media.csv"\n'
        '[mta]\nmodels = ["markov", "shapley"]\norder = 2\n'
        "[optimize]\nbudget = 1000\n",
        encoding="utf-8",
    )
    cfg = load_config(cfg_file)
    assert cfg.run.seed == 7 and cfg.run.out == tmp_path / "runs/q3"
    assert cfg.inputs.media == tmp_path / "data/media.csv"
    assert cfg.mta.models == ("markov", "shapley") and cfg.mta.order == 2
    assert cfg.optimize.budget == 1000.0 and isinstance(cfg.optimize.budget, float)
    # frozen
    with pytest.raises(AttributeError):
        cfg.run.seed = 8  # type: ignore[misc]


def test_round_trip_through_dict():
    cfg = config_from_dict({"run": {"seed": 3}, "mta": {"bootstrap": 10}})
    again = config_from_dict(cfg.to_dict())
    assert again == cfg


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"mta": {"bootstrapp": 10}}, "did you mean 'bootstrap'"),
        ({"optimise": {}}, "did you mean 'optimize'"),
        ({"run": {"seed": "seven"}}, "wrong type"),
        ({"mta": {"bootstrap": True}}, "wrong type"),
        ({"run": 5}, "must be a table"),
    ],
)
def test_bad_config_is_a_clear_usage_error(raw, message):
    with pytest.raises(UsageError, match=message):
        config_from_dict(raw)


def test_missing_and_invalid_files(tmp_path):
    with pytest.raises(UsageError, match="not found"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[run\nseed=1")
    with pytest.raises(UsageError, match="not valid TOML"):
        load_config(bad)


def test_defaults():
    cfg = RunConfig()
    assert cfg.run.interval == 0.9 and cfg.report.formats == ("html", "pdf")
    assert cfg.run.out == Path("runs/latest")


def test_engine_settings_are_configuration(tmp_path):
    cfg_file = tmp_path / "cluster.toml"
    cfg_file.write_text(
        '[journeys]\nengine = "spark"\nspark_master = "spark://head:7077"\n'
        'memory_limit = "16GB"\nthreads = 8\n'
        '[journeys.spark_conf]\n"spark.executor.memory" = "8g"\n'
        '"spark.sql.adaptive.enabled" = true\n"spark.sql.shuffle.partitions" = 400\n',
        encoding="utf-8",
    )
    j = load_config(cfg_file).journeys
    assert j.spark_master == "spark://head:7077" and j.memory_limit == "16GB" and j.threads == 8
    assert j.spark_conf == {
        "spark.executor.memory": "8g",
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.shuffle.partitions": "400",
    }
    assert config_from_dict(load_config(cfg_file).to_dict()).journeys == j
    with pytest.raises(UsageError, match=r"spark_conf\.x' must be a plain value"):
        config_from_dict({"journeys": {"spark_conf": {"x": [1]}}})
