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
    assert d["findings"] == [{"level": "warning", "code": "x.y", "message": "something",
                              "action": "do this", "stage": "mmm"}]
    assert d["outputs"]["table.csv"]["sha256"] == sha256_file(out)
    assert d["versions"]["numpy"] and d["status"] == "ok" and d["seed"] == 1
