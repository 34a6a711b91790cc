import gzip
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urai.corpus.sources import Rejection, decode_text, iter_corpus, iter_jsonl, read_text
from urai.errors import InputError


def test_reads_utf8_and_gzip(tmp_path: Path) -> None:
    p = tmp_path / "a.txt"
    p.write_text("Serangan udara.", encoding="utf-8")
    g = tmp_path / "b.txt.gz"
    g.write_bytes(gzip.compress(b"Serangan hawa."))
    assert read_text(p) == "Serangan udara."
    assert read_text(g) == "Serangan hawa."


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "empty input"),
        (b"   \n\t", "empty input"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("Sérangan udara".encode("latin-1"), "not valid UTF-8"),
        (bytes(range(1, 31)) * 20, "binary"),
    ],
)
def test_bad_input_gets_one_clear_line(tmp_path: Path, data: bytes, needle: str) -> None:
    p = tmp_path / "bad.txt"
    p.write_bytes(data)
    with pytest.raises(InputError) as exc:
        read_text(p)
    msg = str(exc.value)
    assert needle in msg and "\n" not in msg and str(p) in msg


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_text(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a directory"):
        read_text(tmp_path)


def test_bom_is_dropped() -> None:
    assert decode_text("\ufeffhalo".encode()) == "halo"


def test_jsonl_bad_lines_are_reported_not_dropped(tmp_path: Path) -> None:
    p = tmp_path / "x.jsonl"
    p.write_text('{"id": "a", "text": "satu"}\nnot json\n[1, 2]\n\n{"id": "b"}\n')
    got = list(iter_jsonl(p))
    assert [n for n, _ in got] == [1, 2, 3, 5]
    assert isinstance(got[1][1], InputError) and "not valid JSON" in str(got[1][1])
    assert isinstance(got[2][1], InputError) and "JSON object" in str(got[2][1])
    assert got[3][1] == {"id": "b"}


_LINES = st.sampled_from([
    '{"id": "a", "text": "Harga beras naik."}', '{"text": "tanpa id"}', "{bukan json",
    '["a", "list"]', '{"id": "e", "text": "   "}', '{"id": "n"}', '{"id": 3, "text": 5}',
    "",  # blank lines are not records
])


@settings(max_examples=60, deadline=None)
@given(st.lists(_LINES, max_size=25), st.booleans(), st.booleans())
def test_iter_corpus_accounts_for_every_record(lines: list[str], gz: bool,
                                               require_id: bool) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / ("docs.jsonl.gz" if gz else "docs.jsonl")
        data = ("\n".join(lines) + "\n").encode("utf-8")
        path.write_bytes(gzip.compress(data) if gz else data)
        items = list(iter_corpus([str(path)], require_id=require_id))
    records = [i + 1 for i, x in enumerate(lines) if x.strip()]
    # one item per non-blank line, in order, each naming its line
    sources = [it.source if isinstance(it, Rejection) else it[0] for it in items]
    assert sources == [f"{path}:{n}" for n in records]
    for n, it in zip(records, items, strict=True):
        line = lines[n - 1]
        ok = line.startswith('{"id": "a"') or (line == '{"text": "tanpa id"}' and not require_id)
        assert isinstance(it, Rejection) != ok, (line, it)


def test_iter_corpus_directories_stdin_and_missing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import io
    import sys

    (tmp_path / "b.txt").write_text("dua", encoding="utf-8")
    (tmp_path / "a.txt").write_text("satu", encoding="utf-8")
    (tmp_path / "skip.bin").write_bytes(b"\x00")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"dari stdin")))
    items = list(iter_corpus([str(tmp_path), "-", str(tmp_path / "missing.txt")]))
    assert [it[0] for it in items[:2]] == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")]
    # a file of another type in a directory is counted as rejected, not skipped silently
    assert isinstance(items[2], Rejection) and items[2].source == str(tmp_path / "skip.bin")
    assert "not a .txt, .html or .jsonl file" in items[2].reason
    assert items[3][0] == "<stdin>" and items[3][1].text == "dari stdin"
    assert isinstance(items[4], Rejection) and items[4].reason == "no such file or directory"
