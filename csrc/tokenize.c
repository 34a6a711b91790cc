/* urai._core: the tokenizer, an exact port of urai.tokenize.tokenize and split_sentences.
 *
 * The reference is src/urai/tokenize.py. Its scanner tries, at every position, in order:
 * whitespace (skipped), the fast ASCII word ``[A-Za-z]+(?=[\s,]|\Z)``, then the alternatives
 * of the master pattern ``_PATTERNS`` (the first alternative that matches wins). Each
 * alternative is matched here by a hand-written function that returns exactly the match
 * Python's backtracking ``re`` engine finds first (see the comment above each one), using the
 * character predicates of CPython's _sre for str patterns:
 *
 *   \w  = Py_UNICODE_ISALNUM(c) || c == '_'      \d = Py_UNICODE_ISDECIMAL(c)
 *   \s  = Py_UNICODE_ISSPACE(c)                  [^\W_] = alnum, [^\W\d_] = alnum, not \d
 *
 * One pass gives what ``_iter_raw`` yields, which is also what ``_scan_raw`` returns when it
 * does not give up: the two only differ in how a word with a final dot is emitted (one step
 * or two, the same tokens) and ``_scan_raw`` returns None exactly where ``_iter_raw`` takes
 * the "unknown dotted group longer than 4" branch.
 *
 * Offsets are code points; characters are read with PyUnicode_READ, and the scanner is
 * specialised (always_inline with a constant kind) for the three string kinds.
 */
#include "urai_core.h"

#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define INL static inline __attribute__((always_inline))
#define NOINL static __attribute__((noinline))
#else
#define INL static inline
#define NOINL static
#endif

/* ---- character classes ----------------------------------------------------------------- */

enum {
    C_S = 1,    /* \s */
    C_D = 2,    /* \d (decimal) */
    C_A = 4,    /* [^\W_]: alnum */
    C_W = 8,    /* \w: alnum or '_' */
    C_L = 16,   /* [^\W\d_]: alnum, not decimal */
    C_AZ = 32,  /* [A-Za-z] */
    C_E = 64,   /* [\w.+-]: the local part of an e-mail address */
    C_H = 128,  /* [\w-]: the domain part of an e-mail address */
};

static unsigned char latin1_cls[256];
static int latin1_ready = 0;

static unsigned slow_cls(Py_UCS4 c) {
    unsigned k = 0;
    if (Py_UNICODE_ISSPACE(c)) k |= C_S;
    if (Py_UNICODE_ISALNUM(c)) k |= C_A | C_W | C_E | C_H;
    if (Py_UNICODE_ISDECIMAL(c)) k |= C_D;
    if ((k & C_A) && !(k & C_D)) k |= C_L;
    if (c == '_') k |= C_W | C_E | C_H;
    if (c == '.' || c == '+') k |= C_E;
    if (c == '-') k |= C_E | C_H;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) k |= C_AZ;
    return k;
}

static void init_cls(void) {
    if (latin1_ready) return;
    for (Py_UCS4 c = 0; c < 256; c++) latin1_cls[c] = (unsigned char)slow_cls(c);
    latin1_ready = 1;
}

NOINL unsigned wide_cls(Py_UCS4 c) { return slow_cls(c); }

INL unsigned CLS(Py_UCS4 c) { return c < 256 ? latin1_cls[c] : wide_cls(c); }

#define RD(i) PyUnicode_READ(kind, data, (i))
#define IS(i, bits) ((CLS(RD(i)) & (bits)) != 0)

/* ---- abbreviations ---------------------------------------------------------------------- */

/* urai.tokenize.ABBREVIATIONS, sorted (byte order): the tests check every entry (and its
 * upper- and title-cased forms) against the Python tokenizer */
static const char *const ABBREV[] = {
    "a.k.a.", "a.l.", "a.n.", "adm.", "ags.", "agt.", "apr.", "bhd.", "bpk.", "brig.",
    "brigjen.", "c.q.", "cv.", "d.a.", "des.", "dg.", "dgn.", "dkk.", "dll.", "dr.",
    "dra.", "drs.", "dsb.", "dst.", "feb.", "gub.", "h.", "hj.", "hlm.", "ibu.", "ir.",
    "jan.", "jend.", "jl.", "jln.", "jul.", "jun.", "kab.", "kapt.", "kec.", "kel.",
    "kol.", "kom.", "kombes.", "ltd.", "m.a.", "m.b.a.", "m.h.", "m.hum.", "m.kes.",
    "m.m.", "m.pd.", "m.sc.", "m.si.", "m.t.", "mar.", "mei.", "mr.", "mrs.", "nn.", "no.",
    "nov.", "nyo.", "okt.", "ph.d.", "pjs.", "plt.", "pol.", "prof.", "pt.", "rp.",
    "s.ag.", "s.e.", "s.h.", "s.i.p.", "s.kom.", "s.pd.", "s.psi.", "s.sos.", "s.t.",
    "sbb.", "sda.", "sdr.", "sdri.", "sep.", "sept.", "spt.", "st.", "tbk.", "tel.",
    "telp.", "tgl.", "th.", "thn.", "tn.", "ttd.", "u.b.", "u.p.", "vs.", "yg.", "yth.",
};
#define N_ABBREV ((Py_ssize_t)(sizeof(ABBREV) / sizeof(ABBREV[0])))
#define ABBREV_MAXLEN 8 /* "brigjen." */

static int abbrev_cmp(const void *key, const void *elem) {
    return strcmp((const char *)key, *(const char *const *)elem);
}

static int abbrev_has(const char *s) {
    return bsearch(s, ABBREV, (size_t)N_ABBREV, sizeof(ABBREV[0]), abbrev_cmp) != NULL;
}

/* ``text[s:e].lower() in ABBREVIATIONS`` for a token with a non-ASCII character: str.lower
 * itself (U+212A KELVIN SIGN lower-cases to ASCII "k", for one). 1, 0 or -1 (error). */
NOINL int abbrev_lookup_py(PyObject *text, Py_ssize_t s, Py_ssize_t e) {
    PyObject *sub = PyUnicode_Substring(text, s, e);
    if (sub == NULL) return -1;
    PyObject *low = PyObject_CallMethod(sub, "lower", NULL);
    Py_DECREF(sub);
    if (low == NULL) return -1;
    int found = 0;
    Py_ssize_t len = PyUnicode_GET_LENGTH(low);
    if (PyUnicode_IS_ASCII(low) && len <= ABBREV_MAXLEN) {
        char buf[ABBREV_MAXLEN + 1];
        memcpy(buf, PyUnicode_DATA(low), (size_t)len);
        buf[len] = '\0';
        found = abbrev_has(buf);
    }
    Py_DECREF(low);
    return found;
}

/* ``text[s:e].lower() in ABBREVIATIONS``: 1, 0 or -1 (error). str.lower never shortens a
 * string (every character lower-cases to one or more), so a token longer than the longest
 * entry is none. */
INL int abbrev_lookup(int kind, const void *data, PyObject *text, Py_ssize_t s, Py_ssize_t e) {
    Py_ssize_t len = e - s;
    if (len > ABBREV_MAXLEN) return 0;
    char buf[ABBREV_MAXLEN + 1];
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_UCS4 c = RD(s + i);
        if (c >= 128) return abbrev_lookup_py(text, s, e);
        buf[i] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    buf[len] = '\0';
    return abbrev_has(buf);
}

/* ---- the alternatives of the master pattern ---------------------------------------------
 * Each m_* function returns the end of the match at ``p`` (p < n, text[p] not \s) or -1. */

/* memo of the e-mail alternative: for every p in [lo, hi) (one run of [\w.+-]) the match is
 * the same (res), so a long run of dotted pieces is not rescanned at each position */
typedef struct {
    Py_ssize_t lo, hi, res;
} email_memo;

/* 0 other: (?:https?://|www\.)[^\s<>\"'”“)\]]*[^\s<>\"'”“)\].,;:!?]
 * The prefix is deterministic ("https://" needs the s, "http://" has ':' where s would be).
 * X* is greedy and the last char must be in Y (a subset of X), so the match ends after the
 * last Y character of the maximal X run (backtracking gives back the trailing non-Y ones). */
INL int url_x(Py_UCS4 c) {
    switch (c) {
    case '<': case '>': case '"': case '\'': case 0x201D: case 0x201C: case ')': case ']':
        return 0;
    default:
        return !(CLS(c) & C_S);
    }
}

INL int url_y_extra(Py_UCS4 c) { /* the characters of X that Y leaves out */
    return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?';
}

INL Py_ssize_t m_url(int kind, const void *data, Py_ssize_t n, Py_ssize_t p) {
    Py_ssize_t q;
    Py_UCS4 c = RD(p);
    if (c == 'h') {
        if (p + 4 > n || RD(p + 1) != 't' || RD(p + 2) != 't' || RD(p + 3) != 'p') return -1;
        q = p + 4;
        if (q < n && RD(q) == 's') q++;
        if (q + 3 > n || RD(q) != ':' || RD(q + 1) != '/' || RD(q + 2) != '/') return -1;
        q += 3;
    } else if (c == 'w') {
        if (p + 4 > n || RD(p + 1) != 'w' || RD(p + 2) != 'w' || RD(p + 3) != '.') return -1;
        q = p + 4;
    } else {
        return -1;
    }
    Py_ssize_t last = -1;
    for (; q < n; q++) {
        c = RD(q);
        if (!url_x(c)) break;
        if (!url_y_extra(c)) last = q;
    }
    return last < 0 ? -1 : last + 1;
}

/* 1 other: [\w.+-]+@[\w-]+(?:\.[\w-]+)+
 * '@' is not in [\w.+-] and '.' is not in [\w-], so every run must be taken whole: the
 * local run must be followed by '@'; then a maximal [\w-] run, then as many ".run" groups as
 * there are (at least one). */
INL Py_ssize_t m_email(int kind, const void *data, Py_ssize_t n, Py_ssize_t p,
                       email_memo *memo) {
    if (p >= memo->lo && p < memo->hi) return memo->res;
    Py_ssize_t q = p;
    while (q < n && IS(q, C_E)) q++;
    if (q == p) return -1;
    Py_ssize_t res = -1;
    if (q < n && RD(q) == '@') {
        Py_ssize_t r = q + 1, r0 = q + 1;
        while (r < n && IS(r, C_H)) r++;
        if (r > r0) {
            for (;;) {
                if (r + 1 < n && RD(r) == '.' && IS(r + 1, C_H)) {
                    r += 2;
                    while (r < n && IS(r, C_H)) r++;
                    res = r;
                } else {
                    break;
                }
            }
        }
    }
    memo->lo = p;
    memo->hi = q;
    memo->res = res;
    return res;
}

/* 2 other: [#@][^\W_][\w]* */
INL Py_ssize_t m_tag(int kind, const void *data, Py_ssize_t n, Py_ssize_t p) {
    Py_UCS4 c = RD(p);
    if (c != '#' && c != '@') return -1;
    if (p + 1 >= n || !IS(p + 1, C_A)) return -1;
    Py_ssize_t q = p + 2;
    while (q < n && IS(q, C_W)) q++;
    return q;
}

/* length of the run of decimal digits at p, counting at most ``cap`` + 1 of them */
INL Py_ssize_t digits(int kind, const void *data, Py_ssize_t n, Py_ssize_t p, Py_ssize_t cap) {
    Py_ssize_t q = p;
    while (q < n && q - p <= cap && IS(q, C_D)) q++;
    return q - p;
}

/* 3 num: \d{1,4}(?:/\d{1,4}){1,2}(?![\w/])
 * A \d{1,4} that stops inside a digit run is always followed by a digit, which neither '/'
 * nor the lookahead accepts: every run is taken whole and is 1-4 digits long. Two groups are
 * tried first; after one group the lookahead fails whenever a second '/' follows. */
INL Py_ssize_t m_date(int kind, const void *data, Py_ssize_t n, Py_ssize_t p) {
    Py_ssize_t len = digits(kind, data, n, p, 4);
    if (len < 1 || len > 4) return -1;
    Py_ssize_t q = p + len;
    if (q >= n || RD(q) != '/') return -1;
    q++;
    len = digits(kind, data, n, q, 4);
    if (len < 1 || len > 4) return -1;
    q += len;
    if (q < n && RD(q) == '/') {
        Py_ssize_t t = q + 1;
        len = digits(kind, data, n, t, 4);
        if (len < 1 || len > 4) return -1;
        t += len;
        if (t < n && (RD(t) == '/' || IS(t, C_W))) return -1;
        return t;
    }
    if (q < n && IS(q, C_W)) return -1;
    return q;
}

/* 4 num: \d{1,2}:\d{2}(?::\d{2})?(?![\w:])
 * As above every digit run is whole; the seconds group is tried first, and without it the
 * lookahead fails whenever a ':' follows. */
INL Py_ssize_t m_time(int kind, const void *data, Py_ssize_t n, Py_ssize_t p) {
    Py_ssize_t len = digits(kind, data, n, p, 2);
    if (len < 1 || len > 2) return -1;
    Py_ssize_t q = p + len;
    if (q + 3 > n || RD(q) != ':' || !IS(q + 1, C_D) || !IS(q + 2, C_D)) return -1;
    q += 3;
    if (q < n && RD(q) == ':') {
        if (q + 3 <= n && IS(q + 1, C_D) && IS(q + 2, C_D)) {
            Py_ssize_t t = q + 3;
            if (!(t < n && (RD(t) == ':' || IS(t, C_W)))) return t;
        }
        return -1;
    }
    if (q < n && IS(q, C_W)) return -1;
    return q;
}

/* 5 abbr: (?:[^\W\d_]{1,4}\.){2,4}
 * Each group is a whole letter run of 1-4 followed by '.'; as many groups as there are, up
 * to 4, at least 2. */
INL Py_ssize_t m_abbr(int kind, const void *data, Py_ssize_t n, Py_ssize_t p) {
    Py_ssize_t q = p;
    int groups = 0;
    while (groups < 4) {
        Py_ssize_t r = q;
        while (r < n && r - q <= 4 && IS(r, C_L)) r++;
        Py_ssize_t len = r - q;
        if (len < 1 || len > 4 || r >= n || RD(r) != '.') break;
        q = r + 1;
        groups++;
    }
    return groups >= 2 ? q : -1;
}

/* 6 num: \d+(?:[.,]\d+)*(?![^\W_])
 * Greedy: a digit run, then ".digits" / ",digits" groups while there are. The lookahead can
 * only fail on a non-decimal alnum after the last run; then giving back digits leaves a digit
 * next (fails again) and dropping the last group leaves its separator next (succeeds): the
 * match ends before the last separator, or fails when there was no group. */
INL Py_ssize_t m_num(int kind, const void *data, Py_ssize_t n, Py_ssize_t p) {
    Py_ssize_t q = p;
    while (q < n && IS(q, C_D)) q++;
    if (q == p) return -1;
    Py_ssize_t last_sep = -1;
    for (;;) {
        if (q + 1 < n && (RD(q) == '.' || RD(q) == ',') && IS(q + 1, C_D)) {
            last_sep = q;
            q += 2;
            while (q < n && IS(q, C_D)) q++;
        } else {
            break;
        }
    }
    if (q < n && IS(q, C_A)) return last_sep;
    return q;
}

/* 7 word: (?:Rp|RP|rp|US\$)(?=\d) */
INL Py_ssize_t m_currency(int kind, const void *data, Py_ssize_t n, Py_ssize_t p) {
    Py_UCS4 c = RD(p);
    Py_ssize_t q = -1;
    if (c == 'R') {
        if (p + 1 < n && (RD(p + 1) == 'p' || RD(p + 1) == 'P')) q = p + 2;
    } else if (c == 'r') {
        if (p + 1 < n && RD(p + 1) == 'p') q = p + 2;
    } else if (c == 'U') {
        if (p + 2 < n && RD(p + 1) == 'S' && RD(p + 2) == '$') q = p + 3;
    }
    if (q < 0 || q >= n || !IS(q, C_D)) return -1;
    return q;
}

/* 8 word: (?:[^\W_]+)(?:-(?:[^\W_]+))+ : whole alnum runs joined by single hyphens, as many
 * as there are, at least one hyphen. */
INL Py_ssize_t m_hyphen(int kind, const void *data, Py_ssize_t n, Py_ssize_t p) {
    Py_ssize_t q = p;
    while (q < n && IS(q, C_A)) q++;
    if (q == p) return -1;
    int parts = 0;
    while (q + 1 < n && RD(q) == '-' && IS(q + 1, C_A)) {
        q += 2;
        while (q < n && IS(q, C_A)) q++;
        parts++;
    }
    return parts ? q : -1;
}

/* 9 word: [^\W\d_](?:[^\W_]|['’](?=[^\W\d_]))*(?:\.(?=\s|$))?
 * (``$`` also matches before a final newline, which \s covers.) The star takes all it can
 * and both choices of the optional dot succeed, so the dot is kept when it is followed by
 * whitespace or the end. */
INL Py_ssize_t m_word(int kind, const void *data, Py_ssize_t n, Py_ssize_t p) {
    if (!IS(p, C_L)) return -1;
    Py_ssize_t q = p + 1;
    while (q < n) {
        Py_UCS4 c = RD(q);
        if (CLS(c) & C_A) {
            q++;
        } else if ((c == '\'' || c == 0x2019) && q + 1 < n && IS(q + 1, C_L)) {
            q += 2;
        } else {
            break;
        }
    }
    if (q < n && RD(q) == '.' && (q + 1 == n || IS(q + 1, C_S))) q++;
    return q;
}

/* 10 word: [^\W_]+ */
INL Py_ssize_t m_alnum(int kind, const void *data, Py_ssize_t n, Py_ssize_t p) {
    Py_ssize_t q = p;
    while (q < n && IS(q, C_A)) q++;
    return q > p ? q : -1;
}

/* 11 punct: \.{2,}|…|-{2,}|[—–]|[^\w\s] */
INL Py_ssize_t m_punct(int kind, const void *data, Py_ssize_t n, Py_ssize_t p) {
    Py_UCS4 c = RD(p);
    if ((c == '.' || c == '-') && p + 1 < n && RD(p + 1) == c) {
        Py_ssize_t q = p + 2;
        while (q < n && RD(q) == c) q++;
        return q;
    }
    if (CLS(c) & (C_W | C_S)) return -1;
    return p + 1;
}

/* 12 other: _+ */
INL Py_ssize_t m_under(int kind, const void *data, Py_ssize_t n, Py_ssize_t p) {
    Py_ssize_t q = p;
    while (q < n && RD(q) == '_') q++;
    return q > p ? q : -1;
}

/* The master pattern at p: the end of the match and the index of the alternative (-1: no
 * match, which cannot happen for a non-space character). */
INL Py_ssize_t master(int kind, const void *data, Py_ssize_t n, Py_ssize_t p, email_memo *memo,
                      int *alt) {
    Py_UCS4 c = RD(p);
    unsigned k = CLS(c);
    Py_ssize_t e;
#define TRY(i, expr)         \
    do {                     \
        e = (expr);          \
        if (e >= 0) {        \
            *alt = (i);      \
            return e;        \
        }                    \
    } while (0)
    if (c == 'h' || c == 'w') TRY(0, m_url(kind, data, n, p));
    if (k & C_E) TRY(1, m_email(kind, data, n, p, memo));
    if (c == '#' || c == '@') TRY(2, m_tag(kind, data, n, p));
    if (k & C_D) {
        TRY(3, m_date(kind, data, n, p));
        TRY(4, m_time(kind, data, n, p));
    }
    if (k & C_L) TRY(5, m_abbr(kind, data, n, p));
    if (k & C_D) TRY(6, m_num(kind, data, n, p));
    if (c == 'R' || c == 'r' || c == 'U') TRY(7, m_currency(kind, data, n, p));
    if (k & C_A) {
        TRY(8, m_hyphen(kind, data, n, p));
        if (k & C_L) TRY(9, m_word(kind, data, n, p));
        TRY(10, m_alnum(kind, data, n, p));
    }
    TRY(11, m_punct(kind, data, n, p));
    if (c == '_') TRY(12, m_under(kind, data, n, p));
#undef TRY
    *alt = -1;
    return -1;
}

/* token kind of each alternative of _PATTERNS */
static const unsigned char ALT_KIND[13] = {
    TK_OTHER, TK_OTHER, TK_OTHER, TK_NUM, TK_NUM, TK_ABBR, TK_NUM,
    TK_WORD, TK_WORD, TK_WORD, TK_WORD, TK_PUNCT, TK_OTHER,
};

/* ---- token arrays ----------------------------------------------------------------------- */

void urai_tokens_init(urai_tokens *t) { memset(t, 0, sizeof(*t)); }

void urai_tokens_free(urai_tokens *t) {
    PyMem_Free(t->start);
    PyMem_Free(t->end);
    PyMem_Free(t->kind);
    memset(t, 0, sizeof(*t));
}

static int tokens_grow(urai_tokens *t, Py_ssize_t need) {
    Py_ssize_t cap = t->cap < 64 ? 64 : t->cap;
    while (cap < need) {
        if (cap > PY_SSIZE_T_MAX / 2 / (Py_ssize_t)sizeof(Py_ssize_t)) {
            PyErr_NoMemory();
            return -1;
        }
        cap *= 2;
    }
    Py_ssize_t *s = PyMem_Realloc(t->start, (size_t)cap * sizeof(Py_ssize_t));
    if (s == NULL) goto fail;
    t->start = s;
    Py_ssize_t *e = PyMem_Realloc(t->end, (size_t)cap * sizeof(Py_ssize_t));
    if (e == NULL) goto fail;
    t->end = e;
    unsigned char *k = PyMem_Realloc(t->kind, (size_t)cap);
    if (k == NULL) goto fail;
    t->kind = k;
    t->cap = cap;
    return 0;
fail:
    PyErr_NoMemory();
    return -1;
}

INL int push(urai_tokens *t, Py_ssize_t s, Py_ssize_t e, unsigned char kind) {
    if (t->n >= t->cap && tokens_grow(t, t->n + 1) < 0) return -1;
    t->start[t->n] = s;
    t->end[t->n] = e;
    t->kind[t->n] = kind;
    t->n++;
    return 0;
}

/* ---- the scanner ------------------------------------------------------------------------ */

INL int scan(int kind, const void *data, Py_ssize_t n, PyObject *text, urai_tokens *out) {
    email_memo memo = {0, 0, -1};
    Py_ssize_t pos = 0;
    /* leading whitespace: one "space" token (the whole text when it is all whitespace) */
    while (pos < n && IS(pos, C_S)) pos++;
    if (pos > 0 && push(out, 0, pos, TK_SPACE) < 0) return -1;
    while (pos < n) {
        Py_UCS4 c = RD(pos);
        unsigned k = CLS(c);
        if (k & C_S) { /* \s+ */
            pos++;
            while (pos < n && IS(pos, C_S)) pos++;
            continue;
        }
        if (k & C_AZ) { /* _FAST_WORD: [A-Za-z]+(?=[\s,]|\Z) */
            Py_ssize_t q = pos + 1;
            while (q < n && IS(q, C_AZ)) q++;
            if (q == n || RD(q) == ',' || IS(q, C_S)) {
                if (push(out, pos, q, TK_WORD) < 0) return -1;
                pos = q;
                continue;
            }
        }
        int alt;
        Py_ssize_t e = master(kind, data, n, pos, &memo, &alt);
        if (e < 0) { /* unreachable: [^\w\s] and [^\W_]+ / _+ cover every non-space */
            if (push(out, pos, pos + 1, TK_PUNCT) < 0) return -1;
            pos++;
            continue;
        }
        unsigned char tk = ALT_KIND[alt];
        if (alt == 5) { /* dotted group: a known abbreviation, short initials, or a word */
            int known = abbrev_lookup(kind, data, text, pos, e);
            if (known < 0) return -1;
            if (!known && e - pos > 4) {
                /* _iter_raw: the first letter group is a word, scanning resumes at its dot */
                Py_ssize_t cut = pos;
                while (RD(cut) != '.') cut++;
                if (push(out, pos, cut, TK_WORD) < 0) return -1;
                pos = cut;
                continue;
            }
        } else if (alt == 9 && RD(e - 1) == '.') { /* a word with a final dot */
            int known = abbrev_lookup(kind, data, text, pos, e);
            if (known < 0) return -1;
            if (known) {
                tk = TK_ABBR;
            } else {
                /* the word, then the dot: the master pattern matches a '.' followed by
                 * whitespace or the end only as the one-character punct [^\w\s] */
                if (push(out, pos, e - 1, TK_WORD) < 0) return -1;
                if (push(out, e - 1, e, TK_PUNCT) < 0) return -1;
                pos = e;
                continue;
            }
        }
        if (push(out, pos, e, tk) < 0) return -1;
        pos = e;
    }
    return 0;
}

static int scan_ucs1(const void *data, Py_ssize_t n, PyObject *text, urai_tokens *out) {
    return scan(PyUnicode_1BYTE_KIND, data, n, text, out);
}
static int scan_ucs2(const void *data, Py_ssize_t n, PyObject *text, urai_tokens *out) {
    return scan(PyUnicode_2BYTE_KIND, data, n, text, out);
}
static int scan_ucs4(const void *data, Py_ssize_t n, PyObject *text, urai_tokens *out) {
    return scan(PyUnicode_4BYTE_KIND, data, n, text, out);
}

int urai_tokenize(PyObject *text, urai_tokens *out) {
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "tokenize() expects str, got %.200s",
                     Py_TYPE(text)->tp_name);
        return -1;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0) return -1;
#endif
    init_cls();
    out->n = 0;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const void *data = PyUnicode_DATA(text);
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND:
        return scan_ucs1(data, n, text, out);
    case PyUnicode_2BYTE_KIND:
        return scan_ucs2(data, n, text, out);
    default:
        return scan_ucs4(data, n, text, out);
    }
}

/* ---- sentences -------------------------------------------------------------------------- */

/* the token's text is one of _SENT_END: ".", "!", "?", "…", "..." */
static int sent_end_text(int kind, const void *data, Py_ssize_t s, Py_ssize_t e) {
    if (e - s == 1) {
        Py_UCS4 c = RD(s);
        return c == '.' || c == '!' || c == '?' || c == 0x2026;
    }
    return e - s == 3 && RD(s) == '.' && RD(s + 1) == '.' && RD(s + 2) == '.';
}

/* the token's text is one of _CLOSERS: '"', "”", "’", "'", ")", "]", "»" */
static int closer_text(int kind, const void *data, Py_ssize_t s, Py_ssize_t e) {
    if (e - s != 1) return 0;
    Py_UCS4 c = RD(s);
    return c == '"' || c == 0x201D || c == 0x2019 || c == '\'' || c == ')' || c == ']' ||
           c == 0xBB;
}

/* the bounds of token i's trailing whitespace text[end[i]:next] */
static Py_ssize_t ws_end(const urai_tokens *t, Py_ssize_t i, Py_ssize_t len) {
    return i + 1 < t->n ? t->start[i + 1] : len;
}

static int has_non_space(const urai_tokens *t, Py_ssize_t a, Py_ssize_t b) {
    for (Py_ssize_t j = a; j < b; j++)
        if (t->kind[j] != TK_SPACE) return 1;
    return 0;
}

Py_ssize_t urai_split_sentences(PyObject *text, const urai_tokens *t, Py_ssize_t **spans) {
    *spans = NULL;
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "split_sentences() expects str, got %.200s",
                     Py_TYPE(text)->tp_name);
        return -1;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0) return -1;
#endif
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    Py_ssize_t n = t->n;
    /* at most one sentence per token */
    Py_ssize_t *sp = PyMem_Malloc((size_t)(n > 0 ? n : 1) * 2 * sizeof(Py_ssize_t));
    if (sp == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t count = 0, start = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int end_here = 0;
        if (t->kind[i] == TK_PUNCT && sent_end_text(kind, data, t->start[i], t->end[i])) {
            /* closing quotes or brackets that touch the stop belong to the sentence (the
             * whitespace tested is that of the last token taken) */
            while (i + 1 < n && closer_text(kind, data, t->start[i + 1], t->end[i + 1]) &&
                   t->end[i] >= ws_end(t, i, len))
                i++;
            end_here = 1;
        } else {
            Py_ssize_t we = ws_end(t, i, len);
            for (Py_ssize_t j = t->end[i]; j < we; j++) {
                if (RD(j) == '\n') {
                    end_here = 1;
                    break;
                }
            }
        }
        if (end_here) {
            if (has_non_space(t, start, i + 1)) {
                sp[2 * count] = start;
                sp[2 * count + 1] = i + 1;
                count++;
            }
            start = i + 1;
        }
    }
    if (start < n && has_non_space(t, start, n)) {
        sp[2 * count] = start;
        sp[2 * count + 1] = n;
        count++;
    }
    *spans = sp;
    return count;
}

/* ---- Python wrappers -------------------------------------------------------------------- */

static int check_str(PyObject *text, const char *fn) {
    if (PyUnicode_Check(text)) return 0;
    PyErr_Format(PyExc_TypeError, "%s() expects str, got %.200s", fn, Py_TYPE(text)->tp_name);
    return -1;
}

/* a list of (a[i], b[i]) or (a[i], b[i], k[i]) tuples, i < n (a and b read with a stride) */
static PyObject *pairs_or_triples(const Py_ssize_t *a, const Py_ssize_t *b,
                                  const unsigned char *k, Py_ssize_t n, Py_ssize_t stride) {
    PyObject *list = PyList_New(n);
    if (list == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *tup = PyTuple_New(k ? 3 : 2);
        if (tup == NULL) goto fail;
        PyList_SET_ITEM(list, i, tup);
        PyObject *x = PyLong_FromSsize_t(a[i * stride]);
        if (x == NULL) goto fail;
        PyTuple_SET_ITEM(tup, 0, x);
        x = PyLong_FromSsize_t(b[i * stride]);
        if (x == NULL) goto fail;
        PyTuple_SET_ITEM(tup, 1, x);
        if (k) {
            x = PyLong_FromLong((long)k[i]);
            if (x == NULL) goto fail;
            PyTuple_SET_ITEM(tup, 2, x);
        }
    }
    return list;
fail:
    Py_DECREF(list);
    return NULL;
}

PyObject *urai_py_tokenize(PyObject *self, PyObject *text) {
    (void)self;
    if (check_str(text, "tokenize") < 0) return NULL;
    urai_tokens t;
    urai_tokens_init(&t);
    PyObject *res = NULL;
    if (urai_tokenize(text, &t) == 0) res = pairs_or_triples(t.start, t.end, t.kind, t.n, 1);
    urai_tokens_free(&t);
    return res;
}

PyObject *urai_py_split_sentences(PyObject *self, PyObject *text) {
    (void)self;
    if (check_str(text, "split_sentences") < 0) return NULL;
    urai_tokens t;
    urai_tokens_init(&t);
    PyObject *res = NULL;
    if (urai_tokenize(text, &t) == 0) {
        Py_ssize_t *spans = NULL;
        Py_ssize_t m = urai_split_sentences(text, &t, &spans);
        if (m >= 0) res = pairs_or_triples(spans, spans + 1, NULL, m, 2);
        PyMem_Free(spans);
    }
    urai_tokens_free(&t);
    return res;
}
