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
