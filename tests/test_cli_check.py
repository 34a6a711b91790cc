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


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[list[str], list[str]]:
    """A JSON Lines file and a directory: 8 inputs, 4 of them bad (and their sources)."""
    jl = tmp_path / "docs.jsonl"
    lines = [json.dumps({"id": "a", "text": SPUN}), json.dumps({"text": CLEAN}),
             "{not json", json.dumps({"id": "e", "text": "  "}),
             json.dumps({"id": 7, "text": SPUN}), json.dumps({"id": "n"})]
    jl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    d = tmp_path / "dir"
    d.mkdir()
    (d / "a.txt").write_text(CLEAN, encoding="utf-8")
    (d / "b.txt").write_text("", encoding="utf-8")
    sources = [f"{jl}:{i}" for i in range(1, 7)] + [str(d / "a.txt"), str(d / "b.txt")]
    return [str(jl), str(d)], sources


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "urai", "check", *args],
                          capture_output=True, text=True, cwd=ROOT)


def test_corpus_inputs_every_record_accounted_for(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inputs, sources = corpus
    out = tmp_path / "out.jsonl"
    proc = _run("-o", str(out), *inputs)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    objs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [o["source"] for o in objs] == sources
    assert [("error" in o) for o in objs] == [False, False, True, True, False, True, False, True]
    assert objs[0]["id"] == "a" and "id" not in objs[1] and objs[4]["id"] == "7"
    assert objs[0]["verdict"] in ("spun", "uncertain") and objs[6]["verdict"] == "clean"
    reasons = [o["error"]["message"] for o in objs if "error" in o]
    assert "not valid JSON" in reasons[0] and "empty text" in reasons[1]
    assert "missing text" in reasons[2] and reasons[3].endswith("b.txt: empty text")
    err = proc.stderr.strip().splitlines()
    assert err == [f"urai: {out}: 4 checked ({_verdict_counts(objs)}), 4 rejected, 0 already "
                   "there", f"urai: error: 4 of 8 inputs rejected (reasons in {out}), 4 processed"]
    # the same with two worker processes, to stdout
    proc2 = _run("--json", "-j", "2", *inputs)
    assert [json.loads(x) for x in proc2.stdout.splitlines()] == objs


def _verdict_counts(objs: list[dict]) -> str:
    from collections import Counter

    c = Counter(o["verdict"] for o in objs if "verdict" in o)
    return ", ".join(f"{c[v]} {v}" for v in ("spun", "uncertain", "clean") if c[v])


def test_resume_after_an_interrupted_run(corpus, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    inputs, sources = corpus
    full = tmp_path / "full.jsonl"
    _run("-o", str(full), *inputs)
    lines = full.read_text(encoding="utf-8").splitlines(keepends=True)
    part = tmp_path / "part.jsonl"
    # killed while writing the fifth line: four complete lines and half of one
    part.write_text("".join(lines[:4]) + lines[4][:40], encoding="utf-8")
    proc = _run("-o", str(part), "--resume", "-j", "2", *inputs)
    assert proc.returncode == 2
    assert part.read_text(encoding="utf-8") == full.read_text(encoding="utf-8")
    assert ", 4 already there (2 of them rejected)" in proc.stderr
    # once complete, resuming again adds nothing but still reports the rejections
    proc = _run("-o", str(part), "--resume", *inputs)
    assert part.read_text(encoding="utf-8") == full.read_text(encoding="utf-8")
    assert "0 checked (none), 0 rejected, 8 already there (4 of them rejected)" in proc.stderr
    assert proc.returncode == 2


@pytest.mark.parametrize("args,needle", [
    (["--resume"], "give --output PATH too"),
    (["-j", "-1"], "--jobs must be >= 0"),
    (["-o", "EXISTING"], "already exists; pass --resume"),
    (["-o", "GARBAGE", "--resume"], "not valid JSON; --resume needs a file written"),
])
def test_batch_option_errors_are_one_line(files, tmp_path: Path, args: list[str],  # type: ignore[no-untyped-def]
                                          needle: str) -> None:
    existing = tmp_path / "existing.jsonl"
    existing.write_text('{"source": "x"}\n', encoding="utf-8")
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("hello\n", encoding="utf-8")
    args = [str(existing) if a == "EXISTING" else str(garbage) if a == "GARBAGE" else a
            for a in args]
    proc = _run(*args, str(files["spun.txt"]))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and needle in proc.stderr
    assert existing.read_text(encoding="utf-8") == '{"source": "x"}\n'  # never clobbered


def test_empty_corpus_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    proc = _run(str(empty))
    assert proc.returncode == 2 and "no documents in the inputs" in proc.stderr


def test_screen_and_screen_first(files, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    gate = Path(__file__).parent / "data" / "gate" / "gate.jsonl"
    heavy = next(json.loads(x) for x in gate.read_text(encoding="utf-8").splitlines()
                 if json.loads(x)["rate"] == 0.35)
    spun = tmp_path / "heavy.txt"
    spun.write_text(heavy["text"], encoding="utf-8")
    proc = _run("--screen-first", "--json", str(files["clean.txt"]), str(spun))
    objs = [json.loads(x) for x in proc.stdout.splitlines()]
    assert proc.returncode == 0
    assert [o["stage"] for o in objs] == ["screen", "check"]
    assert objs[0]["verdict"] == "clean" and "substitutions" not in objs[0]
    assert objs[1]["verdict"] == "spun" and objs[1]["substitutions"]
    # urai screen: document level only, same corpus options
    out = tmp_path / "screen.jsonl"
    proc = subprocess.run([sys.executable, "-m", "urai", "screen", "-o", str(out),
                           str(files["clean.txt"]), str(spun), str(files["empty"])],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    objs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [o.get("verdict") for o in objs] == ["clean", "spun", None]
    assert "error" in objs[2] and "substitutions" not in objs[1]
    assert "2 checked (1 spun, 1 clean), 1 rejected" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "urai", "screen", str(spun)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and proc.stdout.startswith("SPUN  spun probability")


def test_restore_and_check_on_a_corpus_with_my_own_fields(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """``--text-field``/``--id-field``; ``--json`` on a corpus: one object per record, in
    input order, rejections included; ``restore`` has the corpus options too."""
    p = tmp_path / "mine.jsonl"
    p.write_text("\n".join(json.dumps(o) for o in [
        {"doc_id": "x1", "body": SPUN}, {"doc_id": "x2"}, {"doc_id": 3, "body": CLEAN},
    ]) + "\n", encoding="utf-8")
    args = ["--json", "--text-field", "body", "--id-field", "doc_id", str(p)]
    assert main(["restore", *args]) == 2
    objs = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [o["source"] for o in objs] == [f"{p}:1", f"{p}:2", f"{p}:3"]
    assert objs[0]["id"] == "x1" and objs[0]["changes"] >= 1
    assert objs[0]["restored_text"] != SPUN and "udara" in objs[0]["restored_text"]
    assert "error" in objs[1] and "body" in objs[1]["error"]["message"]
    assert objs[2]["id"] == "3" and objs[2]["restored_text"] == CLEAN
    out = tmp_path / "out.jsonl"
    assert main(["check", "--no-restored-text", "-o", str(out), *args[1:]]) == 2
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 3 and all("restored_text" not in o for o in lines)
    assert lines[0]["verdict"] and lines[0]["substitutions"]
    assert main(["check", "--text-field", "", str(p)]) == 2  # a bad option: one line


def test_html_files_in_a_directory_are_read_and_counted(tmp_path: Path) -> None:
    d = tmp_path / "pages"
    d.mkdir()
    (d / "a.html").write_text(f"<html><head><title>Berita</title></head><body><article>"
                              f"<p>{SPUN}</p></article></body></html>", encoding="utf-8")
    (d / "b.txt").write_text(CLEAN, encoding="utf-8")
    (d / "c.png").write_bytes(b"\x89PNG")
    out = tmp_path / "out.jsonl"
    proc = _run("-o", str(out), str(d))
    objs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [Path(o["source"]).name for o in objs] == ["a.html", "b.txt", "c.png"]
    assert objs[0]["text"].startswith("Berita") and "error" not in objs[0]
    assert "error" in objs[2]  # counted as rejected, not skipped silently
    assert proc.returncode == 2 and "2 checked" in proc.stderr and "1 rejected" in proc.stderr


def test_closed_stdout_exits_0(tmp_path: Path) -> None:
    p = tmp_path / "many.jsonl"
    p.write_text("".join(json.dumps({"id": i, "text": CLEAN}) + "\n" for i in range(400)))
    proc = subprocess.run(f"{sys.executable} -m urai check --json {p} | head -1",
                          shell=True, capture_output=True, text=True, timeout=300,
                          executable="/bin/bash")
    assert json.loads(proc.stdout)["id"] == "0"
    status = subprocess.run(
        f"set -o pipefail; {sys.executable} -m urai check --json {p} | head -1 >/dev/null",
        shell=True, capture_output=True, text=True, timeout=300, executable="/bin/bash")
    assert status.returncode == 0, status.stderr
    assert "Traceback" not in status.stderr and "Exception" not in status.stderr


def test_a_terminal_on_stdin_is_told_what_urai_waits_for() -> None:
    import os
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "urai", "check"], stdin=slave,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(slave)
    try:
        line = proc.stderr.readline().decode()  # type: ignore[union-attr]
        assert "reading text from standard input" in line and "Ctrl-D" in line
        os.write(master, b"\x04")  # end of input at the terminal
        _, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2 and b"empty input" in err


def test_one_exit_code_rule() -> None:
    from urai.cli.common import exit_status

    assert exit_status(5, 0) == 0 and exit_status(5, 1) == 2 and exit_status(0, 0) == 2


def test_check_and_restore_take_a_spinner_profile(tmp_path: Path) -> None:
    """``--profile`` gives the CLI what ``urai.check(text, profile=...)`` gives in Python, and
    a bad profile file is one line and exit 2."""
    import json as _json

    import urai

    gate = Path(__file__).parent / "data" / "gate"
    row = next(r for r in map(_json.loads, (gate / "farm.jsonl").open(encoding="utf-8"))
               if r["kind"] == "spun")
    prof = gate / "profiles" / f"{row['farm']}.json"
    doc = tmp_path / "copy.txt"
    doc.write_text(row["text"], encoding="utf-8")
    want = urai.check(row["text"], profile=str(prof))
    plain = urai.check(row["text"])
    assert want.to_dict() != plain.to_dict()  # the profile changes what is restored
    proc = subprocess.run([sys.executable, "-m", "urai", "check", "--json", "--profile",
                           str(prof), str(doc)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    got = _json.loads(proc.stdout)
    assert got["restored_text"] == want.restored_text
    assert [s["start"] for s in got["substitutions"]] == [s.start for s in want.substitutions]
    proc = subprocess.run([sys.executable, "-m", "urai", "restore", "--profile", str(prof),
                           str(doc)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.rstrip("\n") == want.restored_text.rstrip("\n")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "urai", "check", "--profile", str(bad),
                           str(doc)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
