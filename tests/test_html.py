"""HTML input: detection and main-text extraction with the headline."""

from __future__ import annotations

import urai
from urai.detect.detector import CheckConfig, Detector
from urai.html import extract_main_text, looks_like_html

BODY = (
    "Militer Suriah melancarkan serangan hawa ke wilayah yang dikuasai pemberontak di utara "
    "negeri itu pada hari Minggu. Pasukan pemerintah berusaha merebut kembali kota tersebut "
    "dari kelompok bersenjata. Para saksi mengatakan serangan itu menewaskan sedikitnya 20 "
    "orang dan melukai puluhan lainnya. Kelompok pemberontak menyatakan mereka hanya memiliki "
    "senjata enteng dan tidak mampu menahan gempuran pesawat tempur."
)
PAGE = f"""<!DOCTYPE html>
<html><head><title>Serangan Hawa Guncang Suriah Utara</title>
<script>var x = 1;</script></head>
<body><nav><a href="/">Beranda</a> | <a href="/berita">Berita</a></nav>
<article><h1>Serangan Hawa Guncang Suriah Utara</h1>
<p>{BODY[:200]}</p><p>{BODY[200:]}</p></article>
<footer>Hak cipta 2017 Contoh Media</footer></body></html>"""


def test_detection() -> None:
    assert looks_like_html(PAGE)
    assert looks_like_html("<p>a</p><p>b</p><div>c</div>")
    assert not looks_like_html(BODY)
    assert not looks_like_html("Harga naik 5 < 6 persen dan > 2 persen.")


def test_extraction_keeps_headline_and_body() -> None:
    ex = extract_main_text(PAGE)
    assert "Serangan Hawa" in ex.title
    assert "senjata enteng" in ex.body
    assert "var x" not in ex.text and "Beranda" not in ex.body
    assert ex.text.startswith(ex.title)


def test_check_html_checks_headline_too() -> None:
    det = Detector(CheckConfig(restore_clean=True))
    r = det.check(PAGE)
    assert r.html
    head_end = r.text.index("\n")
    assert r.text[:head_end] == "Serangan Hawa Guncang Suriah Utara"
    # the Title Case headline is analysed like body text: "Hawa" is a candidate position
    # whose best restoration is "udara"
    an, _, _ = det.analyse(r.text)
    z = det.model.token.logit(an.X)
    words = [an.tokens[int(p)].text for p in an.pos_tok]
    j = words.index("Hawa")
    rows = range(an.cand_ptr[j], an.cand_ptr[j + 1])
    assert an.cand_words[max(rows, key=lambda k: z[k])] == "udara"
    for s in r.substitutions:
        assert r.text[s.start : s.end] == s.observed
    assert r.to_dict()["text"] == r.text
    assert urai.check(PAGE).html
    r2 = urai.check(PAGE, html=False)
    assert not r2.html


def test_missing_html_clean_names_the_real_module(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A fresh venv whose old pip skipped ``lxml[html_clean]``: the error names
    ``lxml_html_clean`` (not trafilatura, which is installed), in one line, exit code 3."""
    import subprocess
    import sys

    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    # a real import failure: a finder that refuses lxml_html_clean, as if not installed
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import sys\n"
        "class _Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'lxml_html_clean':\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, _Block())\n", encoding="utf-8")
    import os

    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.run([sys.executable, "-m", "urai", "check", "--html", str(page)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "lxml_html_clean" in lines[0] and "pip install lxml_html_clean" in lines[0]
    assert "pip install trafilatura" not in lines[0]
