"""``urai check`` / ``urai restore`` end to end through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_check import CLEAN, SPUN
from urai.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in (("spun.txt", SPUN), ("clean.txt", CLEAN)):
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        out[name] = p
    (tmp_path / "bin.dat").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 na\xefve".encode("latin-1"))
    (tmp_path / "empty.txt").write_text("")
    out["bin"] = tmp_path / "bin.dat"
    out["latin1"] = tmp_path / "latin1.txt"
    out["empty"] = tmp_path / "empty.txt"
    return out


def test_json_single(files, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["check", "--json", str(files["spun.txt"])]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["source"] == str(files["spun.txt"])
    assert obj["verdict"] in ("spun", "uncertain", "clean")
    assert 0.0 <= obj["spun_probability"] <= 1.0
    for s in obj["substitutions"]:
        assert set(s) == {"start", "end", "observed", "suggestion", "confidence", "evidence",
                          "reason"}
        assert SPUN[s["start"] : s["end"]] == s["observed"]
    assert "restored_text" in obj


def test_json_lines_for_several_inputs(files, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["check", "--json", str(files["spun.txt"]), str(files["clean.txt"])]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    objs = [json.loads(x) for x in lines]
    assert [o["source"] for o in objs] == [str(files["spun.txt"]), str(files["clean.txt"])]


def test_terminal_view(files, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["check", str(files["spun.txt"])]) == 0
    out = capsys.readouterr().out
    assert "hawa" in out and ("[udara]" in out or "UNCERTAIN" in out or "SPUN" in out)


def test_restore(files, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["restore", str(files["spun.txt"])]) == 0
    out = capsys.readouterr().out
    assert "serangan udara" in out


@pytest.mark.parametrize("key", ["bin", "latin1", "empty"])
def test_bad_input_is_one_line_error(files, key: str) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.run([sys.executable, "-m", "urai", "check", str(files[key])],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode != 0
    assert proc.stderr.startswith("urai: error:")
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_stdin_and_missing_file() -> None:
    proc = subprocess.run([sys.executable, "-m", "urai", "restore", "-"], input=SPUN,
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and "serangan udara" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "urai", "check", "nope.txt"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr


def test_several_inputs_a_bad_one_is_reported_and_the_rest_checked(files) -> None:  # type: ignore[no-untyped-def]
    args = [str(files["spun.txt"]), str(files["bin"]), str(files["empty"]),
            str(files["spun.txt"].parent / "missing.txt"), str(files["clean.txt"])]
    proc = subprocess.run([sys.executable, "-m", "urai", "check", "--json", *args],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    objs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["source"] for o in objs] == args  # every input accounted for, in order
    assert [("error" in o) for o in objs] == [False, True, True, True, False]
    assert objs[0]["substitutions"] and objs[4]["verdict"] == "clean"
    assert {o["error"]["code"] for o in objs if "error" in o} == {"bad_input"}
    assert proc.stderr.strip() == "urai: error: 3 of 5 inputs rejected (reasons above), 2 processed"
    # terminal view: one line per rejected input on stderr, the others still rendered
    proc = subprocess.run([sys.executable, "-m", "urai", "check", *args[:3]],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()
    assert len(err) == 3 and err[0].startswith("urai: rejected ") and str(files["bin"]) in err[0]
    assert "hawa [udara]" in proc.stdout


def test_explain_lists_each_substitution_with_its_reason(files, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["check", "--explain", str(files["spun.txt"])]) == 0
    out = capsys.readouterr().out
    assert "hawa -> udara (confidence" in out and "by the language model" in out
