import gzip
from pathlib import Path

import pytest

from urai.errors import InputError
from urai.textio import decode_text, iter_jsonl, read_text


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
