/* Per-document evidence in C: urai.detect.Engine.analyse and Engine.fill_lm.
 *
 * An Analyzer keeps, per distinct token text, what the Python engine would look up for it
 * (LM id, case flags, known/stopword, the thesaurus candidates of its word), asking Python
 * once per new text through two callbacks; a document is then tokenised, laid out for
 * trigram scoring, its mutable positions found and every feature column of Engine.analyse
 * filled without a Python object per token. The numbers are those of the Python engine (LM
 * scores exactly; the cloze columns to float32 rounding, see csrc/cloze.c).
 *
 * Feature columns: the F_* constants of urai_core.h (urai.detect.evidence.TOKEN_FEATURES;
 * _core.feature_columns() gives them by name and the Python side checks them before use).
 */
#include "urai_core.h"
#include "buf.h"
#include "structmember.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


static const double KNOTS[4] = {0.0, 1.0, 2.0, 3.0};

/* ---- growable arrays ------------------------------------------------------------------ */

#define GROW(ptr, cap, need, type)                                                        \
    do {                                                                                   \
        if ((need) > (cap)) {                                                              \
            Py_ssize_t nc_ = (cap) ? (cap) : 64;                                           \
            while (nc_ < (need)) nc_ *= 2;                                                 \
            type *np_ = realloc((ptr), sizeof(type) * (size_t)nc_);                        \
            if (!np_) goto nomem;                                                          \
            (ptr) = np_;                                                                   \
            (cap) = nc_;                                                                   \
        }                                                                                  \
    } while (0)

/* ---- the word table -------------------------------------------------------------------- */

typedef struct {
    Py_ssize_t key_off; /* into keys (code points) */
    Py_ssize_t key_len;
    uint64_t hash;
    int64_t lm_id;
    unsigned char kind, first_upper, all_upper, first_lower, known, stop;
    int32_t info;   /* index into infos, -1 (none) or INFO_LATER (ask with ikey) */
    PyObject *ikey; /* the info key while not asked yet (owned), else NULL */
} wrec;

/* a record's candidates are asked of Python only when its token turns out to be mutable:
 * names (capitalised words inside a sentence) never need them */
#define INFO_LATER (-3)

typedef struct {
    Py_ssize_t off; /* first candidate in the pool */
    int n;
    double zo, fw;
} winfo;

typedef struct {
    PyObject_HEAD
    PyThread_type_lock lock; /* one document at a time (see analyser_enter) */
    urai_lm *lm;
    urai_cloze *cz;
    PyObject *lm_obj, *cz_obj; /* references keeping lm/cz alive */
    PyObject *resolve, *info_cb;
    PyObject *surfaces; /* list: candidate surface per pool entry */
    PyObject *info_index; /* dict: info key -> index into infos (or None) */
    Py_ssize_t info_index_max; /* prune info_index at this size (INFO_INDEX_MAX) */
    int64_t bos, eos, unk;
    double log1p_n[257]; /* numpy's log1p of small counts (libm's may differ by an ulp) */
    int has_token; /* token model weights given: the logit z of every row is kept too */
    double token_w[NF], token_b;
    /* word table */
    wrec *recs;
    Py_ssize_t n_recs, cap_recs;
    int32_t *slots;
    Py_ssize_t n_slots; /* power of two */
    Py_UCS4 *keys;
    Py_ssize_t n_keys, cap_keys;
    /* candidate pool */
    winfo *infos;
    Py_ssize_t n_infos, cap_infos;
    int64_t *p_ids;
    double *p_zd, *p_wt, *p_fan, *p_rev;
    Py_ssize_t n_pool, cap_pool;
    /* per-document scratch */
    urai_tokens toks;
    int32_t *trec;
    Py_ssize_t cap_trec;
} Analyzer;

static uint64_t hash_key(int kind, const void *data, Py_ssize_t a, Py_ssize_t b, int tk) {
    uint64_t h = UINT64_C(1469598103934665603) ^ (uint64_t)tk;
    h *= UINT64_C(1099511628211);
    for (Py_ssize_t i = a; i < b; i++) {
        h ^= (uint64_t)PyUnicode_READ(kind, data, i);
        h *= UINT64_C(1099511628211);
    }
    return h ^ (h >> 29);
}

static int key_equal(const Analyzer *an, const wrec *r, int kind, const void *data,
                     Py_ssize_t a, Py_ssize_t b) {
    if (r->key_len != b - a) return 0;
    const Py_UCS4 *k = an->keys + r->key_off;
    for (Py_ssize_t i = 0; i < r->key_len; i++)
        if (k[i] != PyUnicode_READ(kind, data, a + i)) return 0;
    return 1;
}

static void table_clear(Analyzer *an) {
    for (Py_ssize_t r = 0; r < an->n_recs; r++) Py_CLEAR(an->recs[r].ikey);
    an->n_recs = 0;
    an->n_keys = 0;
    for (Py_ssize_t i = 0; i < an->n_slots; i++) an->slots[i] = -1;
}

static int table_rehash(Analyzer *an, Py_ssize_t n_slots) {
    int32_t *s = malloc(sizeof(int32_t) * (size_t)n_slots);
    if (!s) return -1;
    for (Py_ssize_t i = 0; i < n_slots; i++) s[i] = -1;
    for (Py_ssize_t r = 0; r < an->n_recs; r++) {
        Py_ssize_t i = (Py_ssize_t)(an->recs[r].hash & (uint64_t)(n_slots - 1));
        while (s[i] >= 0) i = (i + 1) & (n_slots - 1);
        s[i] = (int32_t)r;
    }
    free(an->slots);
    an->slots = s;
    an->n_slots = n_slots;
    return 0;
}

/* the info index of an info key (a str) or -1; asks Python once per key */
/* keep only the words that have candidates (bounded by the thesaurus) when the index of
 * words asked about grows past INFO_INDEX_MAX (a long crawl's stream of new words) */
#define INFO_INDEX_MAX 2000000

static int prune_info_index(Analyzer *an) {
    PyObject *kept = PyDict_New();
    if (!kept) return -1;
    PyObject *k, *v;
    Py_ssize_t pos = 0;
    while (PyDict_Next(an->info_index, &pos, &k, &v))
        if (PyLong_AsLong(v) >= 0 && PyDict_SetItem(kept, k, v) < 0) {
            Py_DECREF(kept);
            return -1;
        }
    Py_SETREF(an->info_index, kept);
    return 0;
}

static int32_t info_of(Analyzer *an, PyObject *key) {
    PyObject *got = PyDict_GetItemWithError(an->info_index, key);
    if (got) return (int32_t)PyLong_AsLong(got);
    if (PyErr_Occurred()) return -2;
    if (PyDict_GET_SIZE(an->info_index) >= an->info_index_max && prune_info_index(an) < 0)
        return -2;
    PyObject *info = PyObject_CallOneArg(an->info_cb, key);
    if (!info) return -2;
    int32_t idx = -1;
    if (info != Py_None) {
        /* (surfaces, ids, zd, wt, zo, fw, fan, rev) as Engine.word_info */
        PyObject *surf, *ids, *zd, *wt, *fan, *rev;
        double zo, fw;
        if (!PyArg_ParseTuple(info, "O!OOOddOO", &PyTuple_Type, &surf, &ids, &zd, &wt, &zo, &fw,
                              &fan, &rev)) {
            Py_DECREF(info);
            return -2;
        }
        Py_ssize_t k = PyTuple_GET_SIZE(surf);
        Py_buffer v[5];
        int got_n = 0, ok = 1;
        PyObject *arrs[5] = {ids, zd, wt, fan, rev};
        const int types[5] = {BUF_I64, BUF_F64, BUF_F64, BUF_F64, BUF_F64};
        for (; got_n < 5; got_n++) {
            if (buf_get(arrs[got_n], &v[got_n], types[got_n], 0, "word info") < 0) {
                ok = 0;
                break;
            }
            if (buf_len(&v[got_n]) != k) {
                PyErr_SetString(PyExc_ValueError, "word info: arrays differ in length");
                got_n++;
                ok = 0;
                break;
            }
        }
        if (ok) {
            Py_ssize_t need = an->n_pool + k;
            GROW(an->p_ids, an->cap_pool, need, int64_t);
            {
                Py_ssize_t cap = an->cap_pool;
                double **cols[4] = {&an->p_zd, &an->p_wt, &an->p_fan, &an->p_rev};
                for (int c = 0; c < 4; c++) {
                    double *np_ = realloc(*cols[c], sizeof(double) * (size_t)cap);
                    if (!np_) goto nomem;
                    *cols[c] = np_;
                }
            }
            Py_ssize_t o = an->n_pool;
            memcpy(an->p_ids + o, v[0].buf, sizeof(int64_t) * (size_t)k);
            memcpy(an->p_zd + o, v[1].buf, sizeof(double) * (size_t)k);
            memcpy(an->p_wt + o, v[2].buf, sizeof(double) * (size_t)k);
            memcpy(an->p_fan + o, v[3].buf, sizeof(double) * (size_t)k);
            memcpy(an->p_rev + o, v[4].buf, sizeof(double) * (size_t)k);
            for (Py_ssize_t i = 0; i < k; i++)
                if (PyList_Append(an->surfaces, PyTuple_GET_ITEM(surf, i)) < 0) {
                    ok = 0;
                    break;
                }
            if (ok) {
                GROW(an->infos, an->cap_infos, an->n_infos + 1, winfo);
                an->infos[an->n_infos] = (winfo){o, (int)k, zo, fw};
                idx = (int32_t)an->n_infos++;
                an->n_pool += k;
            }
        }
        for (int i = 0; i < got_n; i++) PyBuffer_Release(&v[i]);
        Py_DECREF(info);
        if (!ok) return -2;
        goto store;
    nomem:
        for (int i = 0; i < got_n; i++) PyBuffer_Release(&v[i]);
        Py_DECREF(info);
        PyErr_NoMemory();
        return -2;
    }
    Py_DECREF(info);
store:;
    PyObject *iv = PyLong_FromLong(idx);
    if (!iv || PyDict_SetItem(an->info_index, key, iv) < 0) {
        Py_XDECREF(iv);
        return -2;
    }
    Py_DECREF(iv);
    return idx;
}

/* the record of text[a:b] seen as a token of kind tk (created through the callbacks) */
static int32_t record_of(Analyzer *an, PyObject *text, int kind, const void *data,
                         Py_ssize_t a, Py_ssize_t b, int tk) {
    uint64_t h = hash_key(kind, data, a, b, tk);
    Py_ssize_t mask = an->n_slots - 1;
    Py_ssize_t i = (Py_ssize_t)(h & (uint64_t)mask);
    for (;;) {
        int32_t r = an->slots[i];
        if (r < 0) break;
        const wrec *rec = an->recs + r;
        if (rec->hash == h && rec->kind == tk && key_equal(an, rec, kind, data, a, b)) return r;
        i = (i + 1) & mask;
    }
    /* new text: ask Python */
    PyObject *sub = PyUnicode_Substring(text, a, b);
    if (!sub) return -2;
    PyObject *res = PyObject_CallFunction(an->resolve, "Oi", sub, tk);
    Py_DECREF(sub);
    if (!res) return -2;
    long long lm_id;
    int fu, au, fl, kn, st;
    PyObject *ikey;
    /* (lm_id, first_upper, all_upper, first_lower, known, stop, info_key or None) */
    if (!PyArg_ParseTuple(res, "LpppppO", &lm_id, &fu, &au, &fl, &kn, &st, &ikey)) {
        Py_DECREF(res);
        return -2;
    }
    int32_t info = -1;
    if (ikey != Py_None) { /* known already, or asked for when first needed */
        PyObject *got = PyDict_GetItemWithError(an->info_index, ikey);
        if (got) {
            info = (int32_t)PyLong_AsLong(got);
            ikey = NULL;
        } else if (PyErr_Occurred()) {
            Py_DECREF(res);
            return -2;
        } else {
            info = INFO_LATER;
        }
    } else {
        ikey = NULL;
    }
    Py_XINCREF(ikey);
    Py_DECREF(res);
    GROW(an->recs, an->cap_recs, an->n_recs + 1, wrec);
    GROW(an->keys, an->cap_keys, an->n_keys + (b - a), Py_UCS4);
    for (Py_ssize_t j = a; j < b; j++) an->keys[an->n_keys + j - a] = PyUnicode_READ(kind, data, j);
    wrec *rec = an->recs + an->n_recs;
    *rec = (wrec){an->n_keys, b - a, h, (int64_t)lm_id, (unsigned char)tk,
                  (unsigned char)fu, (unsigned char)au, (unsigned char)fl,
                  (unsigned char)kn, (unsigned char)st, info, ikey};
    an->n_keys += b - a;
    int32_t r = (int32_t)an->n_recs++;
    if (2 * an->n_recs > an->n_slots) {
        if (table_rehash(an, 2 * an->n_slots) < 0) goto nomem;
    } else {
        an->slots[i] = r;
    }
    return r;
nomem:
    Py_XDECREF(ikey);
    PyErr_NoMemory();
    return -2;
}

/* the candidates of record r (asking Python on first need); -1: none, -2: error set */
static int32_t record_info(Analyzer *an, int32_t r) {
    wrec *rec = an->recs + r;
    if (rec->info != INFO_LATER) return rec->info;
    int32_t info = info_of(an, rec->ikey);
    if (info == -2) return -2;
    rec = an->recs + r; /* (no reallocation happens in info_of; kept for clarity) */
    rec->info = info;
    Py_CLEAR(rec->ikey);
    return info;
}

/* ---- evidence columns ----------------------------------------------------------------- */

static inline void lm_terms_row(double *x, double d) {
    x[0] = d;
    for (int k = 0; k < 4; k++) {
        double r = d - KNOTS[k];
        x[1 + k] = r > 0.0 ? r : 0.0;
    }
}

/* the token model's logit of rows [a, b) into z: four rows at a time (their addition chains
 * overlap), each summed over the features in order, as row-by-row */
static inline void token_logits(const Analyzer *an, const double *X, int64_t a, int64_t b,
                                double *z) {
    const double *w = an->token_w;
    int64_t r = a;
    for (; r + 4 <= b; r += 4) {
        const double *x0 = X + r * NF, *x1 = x0 + NF, *x2 = x1 + NF, *x3 = x2 + NF;
        double v0 = 0.0, v1 = 0.0, v2 = 0.0, v3 = 0.0;
        for (int f = 0; f < NF; f++) {
            v0 += x0[f] * w[f];
            v1 += x1[f] * w[f];
            v2 += x2[f] * w[f];
            v3 += x3[f] * w[f];
        }
        z[r] = v0 + an->token_b;
        z[r + 1] = v1 + an->token_b;
        z[r + 2] = v2 + an->token_b;
        z[r + 3] = v3 + an->token_b;
    }
    for (; r < b; r++) {
        const double *x = X + r * NF;
        double v = 0.0;
        for (int f = 0; f < NF; f++) v += x[f] * w[f];
        z[r] = v + an->token_b;
    }
}

/* columns that follow from the LM delta (column 0) and the cloze delta: lm_terms, the
 * function-word LM term, the LM rank, and the best-candidate flags (Engine.fill_lm), for
 * every position (or those with sel[j]); and the token model's logit of their rows into z */
URAI_KERNEL static void derive_columns(const Analyzer *an, double *X, const int64_t *ptr,
                                       Py_ssize_t m, const unsigned char *sel, double *z,
                                       double *lm_max) {
    const int cloze = an->cz != NULL;
    for (Py_ssize_t j = 0; j < m; j++) {
        if (sel && !sel[j]) continue;
        int64_t a = ptr[j], b = ptr[j + 1];
        double dmax = -INFINITY, cmax = -INFINITY, better = 0.0;
        for (int64_t r = a; r < b; r++) {
            double d = X[r * NF + F_LM];
            if (d > dmax) dmax = d;
            better += d > 0.0 ? 1.0 : 0.0;
            if (cloze && X[r * NF + F_CLOZE] > cmax) cmax = X[r * NF + F_CLOZE];
        }
        double rank = better / (double)(b - a);
        if (lm_max) lm_max[j] = dmax;
        for (int64_t r = a; r < b; r++) {
            double *x = X + r * NF;
            double d = x[F_LM];
            lm_terms_row(x, d);
            x[F_FW_LM] = d * x[F_FUNCTION];
            x[F_LM_RANK] = rank;
            x[F_LM_BEST] = d >= dmax ? 1.0 : 0.0;
            if (cloze) {
                double c = x[F_CLOZE];
                x[F_CLOZE_RELU] = c > 0.0 ? c : 0.0;
                x[F_CLOZE_BEST] = c >= cmax ? 1.0 : 0.0;
            } else {
                x[F_CLOZE] = x[F_CLOZE_RELU] = x[F_CLOZE_BEST] = 0.0;
            }
        }
        if (z) token_logits(an, X, a, b, z);
    }
}

/* the LM delta of every candidate of every slot j (or those with sel[j]) against ``ctx``
 * (column 0 of X), in one LM call so the LM can overlap
 * one slot's cache misses with the next one's; scratch/spos/sids hold n + m entries */
static void all_deltas(Analyzer *an, const int64_t *ctx, Py_ssize_t m, const int64_t *pseq,
                       const int64_t *obs, const int64_t *ptr, const int64_t *cand,
                       const unsigned char *sel, double *X, double *scratch, int64_t *spos,
                       int64_t *sids) {
    Py_ssize_t t = 0;
    for (Py_ssize_t j = 0; j < m; j++) {
        if (sel && !sel[j]) continue;
        spos[t] = pseq[j];
        sids[t++] = obs[j];
        for (int64_t r = ptr[j]; r < ptr[j + 1]; r++) {
            spos[t] = pseq[j];
            sids[t++] = cand[r];
        }
    }
    urai_lm_local(an->lm, ctx, spos, sids, t, an->eos, scratch);
    t = 0;
    for (Py_ssize_t j = 0; j < m; j++) {
        if (sel && !sel[j]) continue;
        const double o = scratch[t++];
        for (int64_t r = ptr[j]; r < ptr[j + 1]; r++) X[r * NF + F_LM] = scratch[t++] - o;
    }
}

static PyObject *new_bytes(Py_ssize_t n, void **data) {
    PyObject *b = PyByteArray_FromStringAndSize(NULL, n);
    if (b) *data = PyByteArray_AS_STRING(b);
    return b;
}

/* analyse(text) -> (n_words, n_known, n_stop, tokens, seq, pos_tok, pos_seq, pos_sent,
 * cand_ptr, cand_ids, cand_src, X, obs_ids, z, lm_max, cand_pos): bytearrays of int64 /
 * float64 (X: n x 21); tokens holds (start, end, kind) int64 triples; cand_src indexes
 * ``surfaces``; z is the token model's logit per row (None without token weights); cand_pos
 * the position of each row */
static PyObject *analyse_locked(Analyzer *an, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "analyse() expects str, got %.100s",
                     Py_TYPE(text)->tp_name);
        return NULL;
    }
    urai_tokens *tk = &an->toks;
    if (urai_tokenize(text, tk) < 0) return NULL;
    Py_ssize_t *spans = NULL;
    Py_ssize_t n_sent = urai_split_sentences(text, tk, &spans);
    if (n_sent < 0) return NULL;
    const int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    const Py_ssize_t n = tk->n;
    PyObject *out[13] = {NULL};
    int64_t *tok_seq = NULL, *tok_sent = NULL, *pos_tok = NULL;
    unsigned char *flag = NULL; /* 1: sentence start, 2: title-case headline */
    Py_ssize_t cap_pos = 0;
    double *scratch = NULL;
    int64_t *spos = NULL, *sids = NULL;
    if (an->n_recs + n > 1000000) table_clear(an); /* bound the table (never mid-document) */
    GROW(an->trec, an->cap_trec, n, int32_t);
    tok_seq = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    tok_sent = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    flag = calloc((size_t)(n ? n : 1), 1);
    if (!tok_seq || !tok_sent || !flag) goto nomem;
    /* records of the tokens, and the sequence layout [-1, <s>, w.., </s>, </s>] */
    Py_ssize_t L = 0;
    for (Py_ssize_t t = 0; t < n; t++) {
        tok_seq[t] = -1;
        tok_sent[t] = -1;
        an->trec[t] = -1;
        if (tk->kind[t] == TK_SPACE) continue;
        int32_t r = record_of(an, text, kind, data, tk->start[t], tk->end[t], tk->kind[t]);
        if (r == -2) goto error;
        an->trec[t] = r;
    }
    for (Py_ssize_t s = 0; s < n_sent; s++) {
        L += 4;
        for (Py_ssize_t t = spans[2 * s]; t < spans[2 * s + 1]; t++) L += tk->kind[t] != TK_SPACE;
    }
    int64_t *seq;
    if (!(out[1] = new_bytes(sizeof(int64_t) * L, (void **)&seq))) goto error;
    {
        Py_ssize_t pos = 0;
        for (Py_ssize_t s = 0; s < n_sent; s++) {
            Py_ssize_t a = spans[2 * s], b = spans[2 * s + 1];
            seq[pos] = -1;
            seq[pos + 1] = an->bos;
            pos += 2;
            Py_ssize_t nws = 0, nup = 0;
            int started = 0;
            for (Py_ssize_t t = a; t < b; t++) {
                unsigned char k = tk->kind[t];
                if (k == TK_SPACE) continue;
                tok_seq[t] = pos;
                tok_sent[t] = s;
                seq[pos++] = an->recs[an->trec[t]].lm_id;
                if (!started && k != TK_PUNCT) {
                    started = 1;
                    flag[t] |= 1;
                }
                if (k == TK_WORD) {
                    nws++;
                    nup += an->recs[an->trec[t]].first_upper;
                }
            }
            if (nws >= 3 && (double)nup >= 0.7 * (double)nws)
                for (Py_ssize_t t = a; t < b; t++)
                    if (tk->kind[t] == TK_WORD) flag[t] |= 2;
            seq[pos] = seq[pos + 1] = an->eos;
            pos += 2;
        }
    }
    /* mutable positions */
    Py_ssize_t m = 0, nc = 0, n_words = 0, n_known = 0, n_stop = 0;
    for (Py_ssize_t t = 0; t < n; t++) {
        unsigned char k = tk->kind[t];
        if (k == TK_SPACE) continue;
        const wrec *rec = an->recs + an->trec[t];
        int32_t info;
        if (k != TK_WORD) {
            if (k != TK_ABBR || !rec->first_lower) continue;
        } else {
            n_words++;
            if (rec->known) {
                n_known++;
                n_stop += rec->stop;
            }
            if (rec->first_upper && (!(flag[t] & 3) || rec->all_upper)) continue; /* a name */
        }
        if ((info = record_info(an, an->trec[t])) == -2) goto error;
        if (info < 0) continue;
        GROW(pos_tok, cap_pos, m + 1, int64_t);
        pos_tok[m++] = t;
        nc += an->infos[info].n;
    }
    int64_t *o_ptok, *o_pseq, *o_psent, *o_ptr, *o_cids, *o_src, *o_obs, *o_cpos;
    double *X;
    if (!(out[2] = new_bytes(sizeof(int64_t) * m, (void **)&o_ptok)) ||
        !(out[3] = new_bytes(sizeof(int64_t) * m, (void **)&o_pseq)) ||
        !(out[4] = new_bytes(sizeof(int64_t) * m, (void **)&o_psent)) ||
        !(out[5] = new_bytes(sizeof(int64_t) * (m + 1), (void **)&o_ptr)) ||
        !(out[6] = new_bytes(sizeof(int64_t) * nc, (void **)&o_cids)) ||
        !(out[7] = new_bytes(sizeof(int64_t) * nc, (void **)&o_src)) ||
        !(out[8] = new_bytes(sizeof(double) * nc * NF, (void **)&X)) ||
        !(out[9] = new_bytes(sizeof(int64_t) * m, (void **)&o_obs)) ||
        !(out[12] = new_bytes(sizeof(int64_t) * nc, (void **)&o_cpos)))
        goto error;
    o_ptr[0] = 0;
    for (Py_ssize_t j = 0; j < m; j++) {
        Py_ssize_t t = pos_tok[j];
        const winfo *inf = an->infos + an->recs[an->trec[t]].info;
        o_ptok[j] = t;
        o_pseq[j] = tok_seq[t];
        o_psent[j] = tok_sent[t];
        o_obs[j] = seq[tok_seq[t]];
        int64_t r0 = o_ptr[j];
        o_ptr[j + 1] = r0 + inf->n;
        const double log_alts = inf->n <= 256 ? an->log1p_n[inf->n] : log1p((double)inf->n);
        const double unk = o_obs[j] == an->unk ? 1.0 : 0.0;
        for (int i = 0; i < inf->n; i++) {
            Py_ssize_t q = inf->off + i;
            double *x = X + (r0 + i) * NF;
            o_cids[r0 + i] = an->p_ids[q];
            o_src[r0 + i] = q;
            o_cpos[r0 + i] = j;
            x[F_ZIPF_DELTA] = an->p_zd[q];
            x[F_ZIPF_OBS] = inf->zo;
            x[F_WEIGHT] = an->p_wt[q];
            x[F_FUNCTION] = inf->fw;
            x[F_LOG_ALTS] = log_alts;
            x[F_OBS_UNK] = unk;
            x[F_FANOUT] = an->p_fan[q];
            x[F_REVERSE] = an->p_rev[q];
            x[F_UNI_OBS] = (double)an->lm->uni_logp[o_obs[j] >= 0 && o_obs[j] < an->lm->vocab
                                                        ? o_obs[j] : 0];
            int64_t c = o_cids[r0 + i];
            x[F_UNI_DELTA] = (double)an->lm->uni_logp[c >= 0 && c < an->lm->vocab ? c : 0] -
                             x[F_UNI_OBS];
        }
    }
    scratch = malloc(sizeof(double) * (size_t)(nc + m + 1));
    spos = malloc(sizeof(int64_t) * (size_t)(nc + m + 1));
    sids = malloc(sizeof(int64_t) * (size_t)(nc + m + 1));
    if (!scratch || !spos || !sids) goto nomem;
    all_deltas(an, seq, m, o_pseq, o_obs, o_ptr, o_cids, NULL, X, scratch, spos, sids);
    if (an->cz && m &&
        urai_cloze_fill(an->cz, seq, m, o_pseq, o_obs, o_ptr, o_cids, NULL, X + F_CLOZE, NF) < 0)
        goto error;
    double *zout = NULL;
    if (an->has_token) {
        if (!(out[10] = new_bytes(sizeof(double) * nc, (void **)&zout))) goto error;
    } else {
        out[10] = Py_NewRef(Py_None);
    }
    double *o_lmax;
    if (!(out[11] = new_bytes(sizeof(double) * m, (void **)&o_lmax))) goto error;
    derive_columns(an, X, o_ptr, m, NULL, zout, o_lmax);
    {
        int64_t *tkarr;
        if (!(out[0] = new_bytes(sizeof(int64_t) * 3 * n, (void **)&tkarr))) goto error;
        for (Py_ssize_t t = 0; t < n; t++) {
            tkarr[3 * t] = tk->start[t];
            tkarr[3 * t + 1] = tk->end[t];
            tkarr[3 * t + 2] = tk->kind[t];
        }
    }
    PyObject *ret = Py_BuildValue("nnnNNNNNNNNNNNNN", n_words, n_known, n_stop, out[0], out[1],
                                  out[2], out[3], out[4], out[5], out[6], out[7], out[8],
                                  out[9], out[10], out[11], out[12]);
    PyMem_Free(spans);
    free(tok_seq);
    free(tok_sent);
    free(flag);
    free(pos_tok);
    free(scratch);
    free(spos);
    free(sids);
    return ret;
nomem:
    PyErr_NoMemory();
error:
    for (int i = 0; i < 13; i++) Py_XDECREF(out[i]);
    PyMem_Free(spans);
    free(tok_seq);
    free(tok_sent);
    free(flag);
    free(pos_tok);
    free(scratch);
    free(spos);
    free(sids);
    return NULL;
}

/* refill(X, ctx, pos_seq, obs_ids, cand_ptr, cand_ids, near, z=None, lm_max=None,
 * memo=None): recompute the LM and cloze evidence of the positions with a changed word (seq
 * indexes ``near``) one or two places away, against ``ctx``, their derived columns and logits
 * (Engine.fill_lm with ``near``; the other positions' columns do not change). A position's
 * new rows depend only on its own rows and its four neighbours in ``ctx``, so with ``memo``
 * (per position: the neighbours win (m x 4) its remembered rows were computed against, those
 * rows of X, z and lm_max, and ok (m) where there is one) a position whose neighbours match
 * its memo entry gets the remembered rows (the adaptive pass of a spun document re-scores
 * many positions against the same restorations as the first pass), and every position
 * computed is remembered. */
static PyObject *refill_locked(Analyzer *an, PyObject *args) {
    PyObject *o[7], *zo = Py_None, *mo = Py_None, *memo = Py_None;
    if (!PyArg_ParseTuple(args, "OOOOOOO|OOO", &o[0], &o[1], &o[2], &o[3], &o[4], &o[5], &o[6],
                          &zo, &mo, &memo))
        return NULL;
    if (memo != Py_None && (!PyTuple_Check(memo) || PyTuple_GET_SIZE(memo) != 5)) {
        PyErr_SetString(PyExc_TypeError, "refill: memo must be (win, X, z, lm_max, ok)");
        return NULL;
    }
    Py_buffer zv, mv;
    double *z = NULL, *lm_max = NULL;
    if (zo != Py_None) {
        if (!an->has_token) {
            PyErr_SetString(PyExc_ValueError, "refill: z given but no token weights");
            return NULL;
        }
        if (buf_get(zo, &zv, BUF_F64, 1, "z") < 0) return NULL;
        z = zv.buf;
    }
    if (mo != Py_None) {
        if (buf_get(mo, &mv, BUF_F64, 1, "lm_max") < 0) {
            if (z) PyBuffer_Release(&zv);
            return NULL;
        }
        lm_max = mv.buf;
    }
    const buf_arg spec[7] = {{o[0], BUF_F64, 1, "X"},        {o[1], BUF_I64, 0, "ctx"},
                             {o[2], BUF_I64, 0, "pos_seq"},  {o[3], BUF_I64, 0, "obs_ids"},
                             {o[4], BUF_I64, 0, "cand_ptr"}, {o[5], BUF_I64, 0, "cand_ids"},
                             {o[6], BUF_I64, 0, "near"}};
    Py_buffer v[7], mv5[5];
    int got = 0, got_memo = 0;
    PyObject *ret = NULL;
    unsigned char *hit = NULL, *sel = NULL;
    double *scratch = NULL;
    int64_t *spos = NULL, *sids = NULL;
    if (buf_get_all(spec, v, 7) < 0) goto done;
    got = 7;
    if (memo != Py_None) {
        const buf_arg mspec[5] = {{PyTuple_GET_ITEM(memo, 0), BUF_I64, 1, "memo win"},
                                  {PyTuple_GET_ITEM(memo, 1), BUF_F64, 1, "memo X"},
                                  {PyTuple_GET_ITEM(memo, 2), BUF_F64, 1, "memo z"},
                                  {PyTuple_GET_ITEM(memo, 3), BUF_F64, 1, "memo lm_max"},
                                  {PyTuple_GET_ITEM(memo, 4), BUF_U8, 1, "memo ok"}};
        if (buf_get_all(mspec, mv5, 5) < 0) goto done;
        got_memo = 5;
    }
    {
        double *X = v[0].buf;
        const int64_t *ctx = v[1].buf, *pseq = v[2].buf, *obs = v[3].buf, *ptr = v[4].buf,
                      *cids = v[5].buf, *near = v[6].buf;
        Py_ssize_t L = buf_len(&v[1]), m = buf_len(&v[2]), nn = buf_len(&v[6]);
        Py_ssize_t nc = buf_len(&v[5]);
        if (buf_len(&v[3]) != m || buf_len(&v[4]) != m + 1 || buf_len(&v[0]) != nc * NF ||
            (m && (ptr[0] != 0 || ptr[m] != nc)) || (z && buf_len(&zv) != nc) ||
            (lm_max && buf_len(&mv) != m) ||
            (got_memo && (buf_len(&mv5[0]) != 4 * m || buf_len(&mv5[1]) != nc * NF ||
                          buf_len(&mv5[2]) != nc || buf_len(&mv5[3]) != m ||
                          buf_len(&mv5[4]) != m || !z || !lm_max))) {
            PyErr_SetString(PyExc_ValueError, "refill: inconsistent array lengths");
            goto done;
        }
        hit = calloc((size_t)L + 4, 1);
        if (!hit) {
            PyErr_NoMemory();
            goto done;
        }
        for (Py_ssize_t i = 0; i < nn; i++) {
            if (near[i] < 0 || near[i] >= L) {
                PyErr_SetString(PyExc_ValueError, "refill: a changed index lies outside ctx");
                goto done;
            }
            hit[near[i] + 2] = 1;
        }
        for (Py_ssize_t j = 0; j < m; j++) {
            if (pseq[j] < 2 || pseq[j] + 2 >= L) {
                PyErr_SetString(PyExc_ValueError, "refill: a position lies outside ctx");
                goto done;
            }
        }
        scratch = malloc(sizeof(double) * (size_t)(nc + m + 1));
        spos = malloc(sizeof(int64_t) * (size_t)(nc + m + 1));
        sids = malloc(sizeof(int64_t) * (size_t)(nc + m + 1));
        if (!scratch || !spos || !sids) {
            PyErr_NoMemory();
            goto done;
        }
        if (nn) {
            sel = calloc((size_t)(m ? m : 1), 1);
            if (!sel) {
                PyErr_NoMemory();
                goto done;
            }
            Py_ssize_t ns = 0;
            for (Py_ssize_t j = 0; j < m; j++) {
                int64_t q = pseq[j] + 2;
                if (!(hit[q - 2] | hit[q - 1] | hit[q + 1] | hit[q + 2])) continue;
                if (got_memo) {
                    /* the memo holds this position's evidence against the same neighbours:
                     * every column refill writes is a function of them (and the position's
                     * own rows), so it is copied instead of computed again */
                    const int64_t *win = (const int64_t *)mv5[0].buf + 4 * j;
                    const int64_t p = pseq[j];
                    if (((const unsigned char *)mv5[4].buf)[j] && win[0] == ctx[p - 2] &&
                        win[1] == ctx[p - 1] && win[2] == ctx[p + 1] && win[3] == ctx[p + 2]) {
                        const int64_t a = ptr[j], b = ptr[j + 1];
                        memcpy(X + a * NF, (const double *)mv5[1].buf + a * NF,
                               sizeof(double) * (size_t)((b - a) * NF));
                        memcpy(z + a, (const double *)mv5[2].buf + a,
                               sizeof(double) * (size_t)(b - a));
                        lm_max[j] = ((const double *)mv5[3].buf)[j];
                        continue;
                    }
                }
                sel[j] = 1;
                ns++;
            }
            if (ns) all_deltas(an, ctx, m, pseq, obs, ptr, cids, sel, X, scratch, spos, sids);
            if (an->cz && ns &&
                urai_cloze_fill(an->cz, ctx, m, pseq, obs, ptr, cids, sel, X + F_CLOZE, NF) < 0)
                goto done;
            if (ns) derive_columns(an, X, ptr, m, sel, z, lm_max);
            if (got_memo && ns) /* remember what was computed, and against which neighbours */
                for (Py_ssize_t j = 0; j < m; j++) {
                    if (!sel[j]) continue;
                    const int64_t p = pseq[j], a = ptr[j], b = ptr[j + 1];
                    int64_t *win = (int64_t *)mv5[0].buf + 4 * j;
                    win[0] = ctx[p - 2];
                    win[1] = ctx[p - 1];
                    win[2] = ctx[p + 1];
                    win[3] = ctx[p + 2];
                    memcpy((double *)mv5[1].buf + a * NF, X + a * NF,
                           sizeof(double) * (size_t)((b - a) * NF));
                    memcpy((double *)mv5[2].buf + a, z + a, sizeof(double) * (size_t)(b - a));
                    ((double *)mv5[3].buf)[j] = lm_max[j];
                    ((unsigned char *)mv5[4].buf)[j] = 1;
                }
        }
        ret = Py_NewRef(Py_None);
    }
done:
    buf_release_all(v, got);
    buf_release_all(mv5, got_memo);
    if (z) PyBuffer_Release(&zv);
    if (lm_max) PyBuffer_Release(&mv);
    free(hit);
    free(sel);
    free(scratch);
    free(spos);
    free(sids);
    return ret;
}

/* An analyser's tables and scratch serve one document at a time, but a document's analysis
 * calls back into Python (new words), where another thread may run and start one on the same
 * analyser. The lock makes that thread wait, with the GIL released so the first can finish. */
static void analyser_enter(Analyzer *an) {
    if (!PyThread_acquire_lock(an->lock, NOWAIT_LOCK)) {
        Py_BEGIN_ALLOW_THREADS
        PyThread_acquire_lock(an->lock, WAIT_LOCK);
        Py_END_ALLOW_THREADS
    }
}

/* fn(an, arg) with the analyser to itself */
static PyObject *with_analyser(Analyzer *an, PyObject *(*fn)(Analyzer *, PyObject *),
                               PyObject *arg) {
    if (!an->lock) {
        PyErr_SetString(PyExc_RuntimeError, "Analyzer not initialised");
        return NULL;
    }
    analyser_enter(an);
    PyObject *r = fn(an, arg);
    PyThread_release_lock(an->lock);
    return r;
}

static PyObject *Analyzer_analyse(Analyzer *an, PyObject *text) {
    return with_analyser(an, analyse_locked, text);
}

static PyObject *Analyzer_refill(Analyzer *an, PyObject *args) {
    return with_analyser(an, refill_locked, args);
}

/* ---- type ------------------------------------------------------------------------------- */

static int Analyzer_init(Analyzer *an, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"lm", "cloze", "resolve", "info", "bos", "eos", "unk", "log1p",
                             "token_w", "token_b", NULL};
    PyObject *lmo, *czo, *res, *inf, *l1p, *tw = Py_None;
    long long bos, eos, unk;
    double tb = 0.0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOLLLO|Od", kwlist, &lmo, &czo, &res, &inf,
                                     &bos, &eos, &unk, &l1p, &tw, &tb))
        return -1;
    an->has_token = 0;
    if (tw != Py_None) {
        Py_buffer v;
        if (buf_get(tw, &v, BUF_F64, 0, "token_w") < 0) return -1;
        if (buf_len(&v) != NF) {
            PyBuffer_Release(&v);
            PyErr_Format(PyExc_ValueError, "token_w: expected %d weights", NF);
            return -1;
        }
        memcpy(an->token_w, v.buf, sizeof(an->token_w));
        PyBuffer_Release(&v);
        an->token_b = tb;
        an->has_token = 1;
    }
    {
        Py_buffer v;
        if (buf_get(l1p, &v, BUF_F64, 0, "log1p") < 0) return -1;
        if (buf_len(&v) != 257) {
            PyBuffer_Release(&v);
            PyErr_SetString(PyExc_ValueError, "log1p: expected log1p(0..256)");
            return -1;
        }
        memcpy(an->log1p_n, v.buf, sizeof(an->log1p_n));
        PyBuffer_Release(&v);
    }
    const urai_lm *lm = urai_lm_of(lmo);
    if (!lm) return -1;
    if (!an->lock && !(an->lock = PyThread_allocate_lock())) {
        PyErr_NoMemory();
        return -1;
    }
    urai_cloze *cz = NULL;
    if (czo != Py_None && !(cz = urai_cloze_of(czo))) return -1;
    if (!PyCallable_Check(res) || !PyCallable_Check(inf)) {
        PyErr_SetString(PyExc_TypeError, "resolve and info must be callable");
        return -1;
    }
    Py_XSETREF(an->lm_obj, Py_NewRef(lmo));
    Py_XSETREF(an->cz_obj, Py_NewRef(czo));
    Py_XSETREF(an->resolve, Py_NewRef(res));
    Py_XSETREF(an->info_cb, Py_NewRef(inf));
    Py_XSETREF(an->surfaces, PyList_New(0));
    Py_XSETREF(an->info_index, PyDict_New());
    if (!an->surfaces || !an->info_index) return -1;
    an->lm = (urai_lm *)lm;
    an->cz = cz;
    an->bos = bos;
    an->eos = eos;
    an->unk = unk;
    for (Py_ssize_t r = 0; r < an->n_recs; r++) Py_CLEAR(an->recs[r].ikey);
    an->n_recs = an->n_keys = an->n_infos = an->n_pool = 0;
    an->info_index_max = INFO_INDEX_MAX;
    free(an->slots);
    an->n_slots = 1024;
    an->slots = malloc(sizeof(int32_t) * (size_t)an->n_slots);
    if (!an->slots) {
        PyErr_NoMemory();
        return -1;
    }
    table_clear(an);
    return 0;
}

static int Analyzer_traverse(Analyzer *an, visitproc visit, void *arg) {
    Py_VISIT(an->lm_obj);
    Py_VISIT(an->cz_obj);
    Py_VISIT(an->resolve);
    Py_VISIT(an->info_cb);
    Py_VISIT(an->surfaces);
    Py_VISIT(an->info_index);
    return 0;
}

static int Analyzer_clear(Analyzer *an) {
    Py_CLEAR(an->lm_obj);
    Py_CLEAR(an->cz_obj);
    Py_CLEAR(an->resolve);
    Py_CLEAR(an->info_cb);
    Py_CLEAR(an->surfaces);
    Py_CLEAR(an->info_index);
    return 0;
}

static void Analyzer_dealloc(Analyzer *an) {
    PyObject_GC_UnTrack(an);
    Analyzer_clear(an);
    for (Py_ssize_t r = 0; r < an->n_recs; r++) Py_CLEAR(an->recs[r].ikey);
    free(an->recs);
    free(an->slots);
    free(an->keys);
    free(an->infos);
    free(an->p_ids);
    free(an->p_zd);
    free(an->p_wt);
    free(an->p_fan);
    free(an->p_rev);
    free(an->trec);
    urai_tokens_free(&an->toks);
    if (an->lock) PyThread_free_lock(an->lock);
    Py_TYPE(an)->tp_free((PyObject *)an);
}

static PyObject *Analyzer_get_surfaces(Analyzer *an, void *closure) {
    (void)closure;
    return Py_NewRef(an->surfaces ? an->surfaces : Py_None);
}

static PyObject *Analyzer_get_size(Analyzer *an, void *closure) {
    (void)closure;
    return Py_BuildValue("{s:n,s:n,s:n}", "texts", an->n_recs, "words", an->n_infos,
                         "candidates", an->n_pool);
}

static PyGetSetDef Analyzer_getset[] = {
    {"surfaces", (getter)Analyzer_get_surfaces, NULL, "candidate surface per pool entry", NULL},
    {"size", (getter)Analyzer_get_size, NULL, "entries in the per-word tables", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef Analyzer_members[] = {
    {"info_index_max", T_PYSSIZET, offsetof(Analyzer, info_index_max), 0,
     "words asked about at which those without candidates are forgotten"},
    {NULL, 0, 0, 0, NULL},
};

static PyMethodDef Analyzer_methods[] = {
    {"analyse", (PyCFunction)Analyzer_analyse, METH_O,
     "analyse(text): the evidence arrays of Engine.analyse(tokenize(text))"},
    {"refill", (PyCFunction)Analyzer_refill, METH_VARARGS,
     "refill(X, ctx, pos_seq, obs_ids, cand_ptr, cand_ids, near[, z[, lm_max[, memo]]]): "
     "Engine.fill_lm(near=...), z and lm_max (each slot's largest LM delta) kept in step; "
     "memo = (win, X, z, lm_max, ok) of this analysis: a position whose neighbours are those "
     "of its memo entry gets the remembered rows, every computed one is remembered"},
    {NULL, NULL, 0, NULL},
};

PyTypeObject urai_AnalyzerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "urai._core.Analyzer",
    .tp_basicsize = sizeof(Analyzer),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Per-document evidence (urai.detect.Engine.analyse) over cached word records.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Analyzer_init,
    .tp_dealloc = (destructor)Analyzer_dealloc,
    .tp_traverse = (traverseproc)Analyzer_traverse,
    .tp_clear = (inquiry)Analyzer_clear,
    .tp_methods = Analyzer_methods,
    .tp_getset = Analyzer_getset,
    .tp_members = Analyzer_members,
};
