import hashlib
import json

from attribution.findings import Finding
from attribution.pipeline.manifest import Manifest, sha256_file


def test_manifest_records_everything(tmp_path):
    data = tmp_path / "in.csv"
    data.write_text("a,b\n1,2\n")
    m = Manifest(run_dir=tmp_path, config={"run": {"seed": 1}}, seed=1)
    m.add_input("media", data)
    m.add_accounting("media", {"read": 1, "used": 1, "rejected": {}})
    with m.timed("stage"):
        pass
    m.add_findings([Finding("warning", "x.y", "something", "do this")], stage="mmm")
    out = tmp_path / "table.csv"
    out.write_text("x\n1\n")
    m.add_output(out)
    m.status = "ok"
    d = json.loads(m.write().read_text())
    assert d["inputs"]["media"]["sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert d["row_accounting"]["media"]["read"] == 1
    assert "stage" in d["timings_s"] and d["timings_s"]["stage"] >= 0
    assert d["findings"] == [
        {
            "level": "warning",
            "code": "x.y",
            "message": "something",
            "action": "do this",
            "stage": "mmm",
        }
    ]
    assert d["outputs"]["table.csv"]["sha256"] == sha256_file(out)
    assert d["versions"]["numpy"] and d["status"] == "ok" and d["seed"] == 1


def test_manifest_inputs_folders_globs_and_urls(tmp_path):
    folder = tmp_path / "tp"
    folder.mkdir()
    (folder / "part-1.parquet").write_bytes(b"one")
    (folder / "part-0.parquet").write_bytes(b"zero")
    m = Manifest(run_dir=tmp_path, config={}, seed=1)
    m.add_input("touchpoints", folder)
    m.add_input("conversions", str(folder / "part-1*"))
    m.add_input("id_map", "s3a://bucket/idmap/")
    d = json.loads(m.write().read_text())["inputs"]
    files = d["touchpoints"]["files"]
    assert [f["path"].rsplit("/", 1)[-1] for f in files] == ["part-0.parquet", "part-1.parquet"]
    assert files[0]["sha256"] == hashlib.sha256(b"zero").hexdigest() and files[0]["bytes"] == 4
    assert [f["sha256"] for f in d["conversions"]["files"]] == [hashlib.sha256(b"one").hexdigest()]
    assert d["id_map"]["path"] == "s3a://bucket/idmap/" and d["id_map"]["sha256"] is None
