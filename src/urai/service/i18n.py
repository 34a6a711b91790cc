"""The page's words, in Bahasa Indonesia (default) and English (``?lang=en``)."""

from __future__ import annotations

__all__ = ["STRINGS", "LANGS", "strings"]

LANGS = ("id", "en")

STRINGS: dict[str, dict[str, str]] = {
    "id": {
        "title": "urai — periksa teks berita yang di-spin",
        "tagline": "Forensik konten spin bahasa Indonesia",
        "skip": "Langsung ke isi",
        "nav_check": "Periksa", "nav_sources": "Sumber", "nav_families": "Keluarga",
        "nav_docs": "Dokumentasi API", "switch": "English", "switch_lang": "en",
        "check_h": "Periksa teks",
        "check_intro": "Tempel teks, beri URL, atau unggah berkas. urai menilai apakah teks "
                       "itu di-spin, menandai kata yang diduga diganti dan mengembalikan "
                       "kata aslinya.",
        "text_label": "Teks artikel", "url_label": "atau URL halaman",
        "file_label": "atau unggah berkas (.txt, .html)", "submit_check": "Periksa",
        "example": "Isi contoh", "busy": "Sedang memproses…",
        "verdict": "Putusan", "probability": "Peluang di-spin", "words": "kata",
        "subs": "dugaan penggantian", "marked_h": "Teks dengan penggantian yang diduga",
        "marked_help": "Arahkan kursor atau fokus (Tab) ke kata yang ditandai untuk melihat "
                       "usulan kata asli, keyakinan dan alasannya.",
        "restored_h": "Teks yang dipulihkan", "json_h": "JSON", "copy_json": "Salin JSON",
        "copied": "JSON disalin", "download": "Unduh laporan (HTML)",
        "suggest": "usulan", "confidence": "keyakinan", "reason": "alasan",
        "v_spun": "DI-SPIN", "v_clean": "BERSIH", "v_uncertain": "RAGU-RAGU",
        "v_too_short": "TERLALU PENDEK", "v_not_indonesian": "BUKAN BAHASA INDONESIA",
        "sources_h": "Cari sumber", "sources_intro": "Temukan artikel asli di indeks, "
                     "meskipun salinannya di-spin.", "submit_trace": "Cari sumber",
        "matches_h": "Sumber yang ditemukan", "no_match": "Tidak ada sumber yang ditemukan.",
        "score": "skor", "coverage": "cakupan", "diff_h": "Perbandingan berdampingan",
        "query_side": "Teks yang diperiksa", "source_side": "Sumber",
        "l_copy": "sama persis", "l_swap": "kata diganti (teramati vs sumber)",
        "l_reorder": "diubah urutan / parafrase", "l_insert": "tambahan salinan (tak ada di "
                     "sumber)", "l_delete": "dibuang dari sumber", "legend": "Keterangan",
        "passages_h": "Bagian yang cocok", "families_h": "Keluarga artikel",
        "families_intro": "Cari keluarga: artikel asli dan salinan-salinannya.",
        "search_label": "Cari (id, situs)", "submit_search": "Cari",
        "family": "keluarga", "size": "anggota", "original": "asli", "sites": "situs",
        "role": "peran", "swaps": "penggantian", "show_diff": "Lihat perbedaan",
        "members_h": "Anggota", "singles": "juga artikel tanpa salinan",
        "no_family": "Tidak ada keluarga yang cocok.",
        "error": "Galat", "report_h": "Laporan pemeriksaan urai",
        "disabled_index": "Tidak ada indeks sumber di server ini (urai serve --db).",
    },
    "en": {
        "title": "urai — check news text for spinning",
        "tagline": "Indonesian spun-content forensics",
        "skip": "Skip to content",
        "nav_check": "Check", "nav_sources": "Sources", "nav_families": "Families",
        "nav_docs": "API docs", "switch": "Bahasa Indonesia", "switch_lang": "id",
        "check_h": "Check a text",
        "check_intro": "Paste a text, give a URL or upload a file. urai says whether it was "
                       "spun, marks the words it thinks were swapped and restores the "
                       "originals.",
        "text_label": "Article text", "url_label": "or a page URL",
        "file_label": "or upload a file (.txt, .html)", "submit_check": "Check",
        "example": "Fill in the example", "busy": "Working…",
        "verdict": "Verdict", "probability": "Spun probability", "words": "words",
        "subs": "suspected substitutions", "marked_h": "Text with the suspected substitutions",
        "marked_help": "Hover over or focus (Tab) a marked word to see the suggested "
                       "original, the confidence and the reason.",
        "restored_h": "Restored text", "json_h": "JSON", "copy_json": "Copy JSON",
        "copied": "JSON copied", "download": "Download report (HTML)",
        "suggest": "suggestion", "confidence": "confidence", "reason": "reason",
        "v_spun": "SPUN", "v_clean": "CLEAN", "v_uncertain": "UNCERTAIN",
        "v_too_short": "TOO SHORT", "v_not_indonesian": "NOT INDONESIAN",
        "sources_h": "Find the source", "sources_intro": "Find the original article in the "
                     "index, even when the copy was spun.", "submit_trace": "Find sources",
        "matches_h": "Sources found", "no_match": "No source found.",
        "score": "score", "coverage": "coverage", "diff_h": "Side by side",
        "query_side": "Checked text", "source_side": "Source",
        "l_copy": "verbatim", "l_swap": "swapped words (observed vs source)",
        "l_reorder": "reordered / paraphrased", "l_insert": "added by the copy (not in the "
                     "source)", "l_delete": "dropped from the source", "legend": "Legend",
        "passages_h": "Matching passages", "families_h": "Article families",
        "families_intro": "Search families: an original and its copies.",
        "search_label": "Search (id, site)", "submit_search": "Search",
        "family": "family", "size": "members", "original": "original", "sites": "sites",
        "role": "role", "swaps": "swaps", "show_diff": "Show the diff",
        "members_h": "Members", "singles": "also articles without copies",
        "no_family": "No family matches.",
        "error": "Error", "report_h": "urai check report",
        "disabled_index": "No source index on this server (urai serve --db).",
    },
}
assert STRINGS["id"].keys() == STRINGS["en"].keys()


def strings(lang: str | None) -> tuple[str, dict[str, str]]:
    """``(language, its strings)``; anything but ``en`` is Indonesian."""
    code = "en" if lang == "en" else "id"
    return code, STRINGS[code]
