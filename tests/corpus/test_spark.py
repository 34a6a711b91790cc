"""urai cluster --engine spark: a real local Spark session, the same families as the local
engine (identical output files) on the same input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.corpus.conftest import make_crawl, write_jsonl
from urai.corpus.clustering import ClusterConfig, cluster

pytest.importorskip("pyspark")
if not (os.environ.get("JAVA_HOME") or __import__("shutil").which("java")):
    pytest.skip("Java is not installed (apt-get install -y openjdk-17-jre-headless)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def spark():
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from urai.corpus.spark import spark_session

    s = spark_session(jobs=2)
    yield s
    s.stop()


@pytest.mark.parametrize("seed, spun", [(0, "members"), (7, "all")])
def test_spark_gives_the_local_engine_families(tmp_path: Path, spark, seed: int,
                                                spun: str) -> None:
    recs, truth = make_crawl(seed=seed, families=4, uniques=5)
    src = write_jsonl(tmp_path / "crawl.jsonl", recs)
    cfg = ClusterConfig(spun=spun, shard_size=100)
    a = cluster([str(src)], tmp_path / "local", config=cfg, jobs=2)
    b = cluster([str(src)], tmp_path / "spark", engine="spark", config=cfg, jobs=2)
    for name in ("documents.parquet", "families.parquet"):
        assert (tmp_path / "local" / name).read_bytes() == \
            (tmp_path / "spark" / name).read_bytes(), name
    assert a["roles"] == b["roles"] and b["engine"] == "spark"
    assert b["families"] == 4 and "signatures" in b["seconds"]


def test_without_java_one_clear_error(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "c.jsonl", make_crawl(families=1, uniques=1)[0])
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(Path(sys.executable).parent)  # python, no java
    code = ("import sys\nfrom urai.cli import _COMMANDS, main\n_COMMANDS.setdefault('cluster', "
            "('urai.cli.cluster', 'cluster', ''))\nsys.exit(main(sys.argv[1:]))")
    r = subprocess.run([sys.executable, "-c", code, "cluster", str(src), "--out",
                        str(tmp_path / "o"), "--engine", "spark"], capture_output=True,
                       text=True, env=env)
    assert r.returncode == 3, r.stderr
    assert r.stderr.count("\n") == 1 and "Java" in r.stderr and "openjdk-17" in r.stderr
