"""docs/configuration.md lists every config key and matches the dataclasses it is made from."""

from __future__ import annotations

from pathlib import Path

from attribution.pipeline.config_doc import MEANING, config_keys, reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_every_key_is_documented_with_its_meaning() -> None:
    text = DOC.read_text(encoding="utf-8")
    keys = config_keys()
    assert ("run", "window_start") in keys and ("report", "channel_names") in keys
    for section, key in keys:
        part = text.split(f"## [{section}]", 1)[1].split("\n## ", 1)[0]
        assert f"| `{key}` |" in part, f"[{section}] {key} missing from docs/configuration.md"
        assert f"{section}.{key}" in MEANING, f"[{section}] {key} has no meaning in config_doc"


def test_page_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == reference(), (
        "regenerate: python -m attribution.pipeline.config_doc > docs/configuration.md"
    )
