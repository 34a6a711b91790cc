/* The n-gram LM's scoring in C: the same backoff rule as urai.lm.NgramLM._logprob_rows.
 *
 * Every order above the unigrams is an open-addressing hash (linear probing, load factor
 * <= 0.5) whose slots hold the packed key, the log-probability and the backoff together, so
 * a hit costs one cache line. Keys are packed exactly as in urai.lm (word ids of ``bits``
 * bits each, the predicted word in the lowest bits). Values are the model's float32 numbers,
 * widened to double and summed in the same order as the numpy code, so scores are identical.
 */
#include "urai_core.h"
#include "buf.h"

#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* Large tables on transparent huge pages where the system offers them (Linux, madvise
 * mode): a probe is a random read into tens of MB, and with 4 KB pages most of them also
 * miss the TLB. */
static void *table_alloc(size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const size_t huge = (size_t)2 << 20;
    if (bytes >= huge) {
        void *p = NULL;
        size_t rounded = (bytes + huge - 1) / huge * huge;
        if (posix_memalign(&p, huge, rounded) == 0) {
            madvise(p, rounded, MADV_HUGEPAGE);
            return p;
        }
        return NULL;
    }
#endif
    return malloc(bytes ? bytes : 1);
}

#define LM_EMPTY UINT64_C(0xFFFFFFFFFFFFFFFF)
#define LM_MULT UINT64_C(0x9E3779B97F4A7C15)

typedef struct {
    int found;
    float logp, bow;
} lm_val;

/* Probe order ``i`` for ``key``: wide tables hold (key, logp, bow) per 16-byte slot;
 * compact ones (the shipped, quantised model) pack the key and the two value codes into one
 * 8-byte word and read the values from small palettes, halving the tables' memory (so more
 * of them stays in the cache). */
static inline lm_val lm_find(const urai_lm *lm, int i, uint64_t key) {
    uint64_t m = lm->mask[i];
    uint64_t s = (key * LM_MULT) >> lm->shift[i];
    if (lm->packed[i]) {
        const uint64_t *t = lm->ptab[i];
        const uint64_t km = lm->keymask[i];
        for (;;) {
            uint64_t v = t[s];
            if (v == LM_EMPTY) return (lm_val){0, 0.0f, 0.0f};
            if ((v & km) == key) {
                uint64_t codes = v >> lm->kbits[i];
                return (lm_val){1, lm->pal_lp[i][codes & lm->lpmask[i]],
                                lm->pal_bow[i][codes >> lm->lpbits[i]]};
            }
            s = (s + 1) & m;
        }
    }
    const lm_slot *t = lm->tab[i];
    for (;;) {
        const lm_slot *p = t + s;
        if (p->key == key) return (lm_val){1, p->logp, p->bow};
        if (p->key == LM_EMPTY) return (lm_val){0, 0.0f, 0.0f};
        s = (s + 1) & m;
    }
}

static inline void lm_prefetch_slot(const urai_lm *lm, int i, uint64_t key) {
    uint64_t s = (key * LM_MULT) >> lm->shift[i];
    if (lm->packed[i])
        __builtin_prefetch(lm->ptab[i] + s);
    else
        __builtin_prefetch(lm->tab[i] + s);
}

double urai_lm_score(const urai_lm *lm, const int64_t *row) {
    const int N = lm->order;
    const int64_t V = lm->vocab;
    int64_t w = row[N - 1];
    if (w >= V || w < 0) w = 0; /* <unk> (negative is refused by the callers) */
    double result = (double)lm->uni_logp[w];
    double bows = 0.0;
    uint64_t key = (uint64_t)w, ctx_key = 0;
    int ctx_valid = 1, prev_found = -1;
    for (int n = 2; n <= N; n++) {
        int64_t c = row[N - n];
        int valid_col = c >= 0;
        if (c >= V) c = 0;
        uint64_t mu = valid_col ? (uint64_t)c : 0;
        ctx_key |= mu << (lm->bits * (n - 2));
        ctx_valid &= valid_col;
        double cbow = 0.0;
        if (ctx_valid) {
            if (n == 2) {
                cbow = (double)lm->uni_bow[mu];
            } else {
                lm_val p = lm_find(lm, n - 2, ctx_key);
                cbow = p.found ? (double)p.bow : 0.0;
            }
        }
        key |= mu << (lm->bits * (n - 1));
        int ask = ctx_valid;
        if (prev_found >= 0 && lm->closed[n - 1]) ask = ask && prev_found;
        int found = 0;
        float lp = 0.0f;
        if (ask) {
            lm_val p = lm_find(lm, n - 1, key);
            if (p.found) {
                found = 1;
                lp = p.logp;
            }
        }
        prev_found = found;
        if (found) {
            bows = 0.0;
            result = (double)lp;
        } else {
            bows = bows + cbow;
        }
    }
    return result + bows;
}

/* Prefetch the home slots ``urai_lm_score`` will probe first for ``row`` (every order's key
 * and context key), so that many rows' cache misses overlap. */
static inline void lm_prefetch(const urai_lm *lm, const int64_t *row) {
    const int N = lm->order;
    const int64_t V = lm->vocab;
    int64_t w = row[N - 1];
    if (w >= V || w < 0) w = 0;
    uint64_t key = (uint64_t)w, ctx_key = 0;
    for (int n = 2; n <= N; n++) {
        int64_t c = row[N - n];
        if (c < 0) break;
        if (c >= V) c = 0;
        ctx_key |= (uint64_t)c << (lm->bits * (n - 2));
        if (n > 2) lm_prefetch_slot(lm, n - 2, ctx_key);
        key |= (uint64_t)c << (lm->bits * (n - 1));
        lm_prefetch_slot(lm, n - 1, key);
    }
}

#define LM_AHEAD 8

void urai_lm_score_rows(const urai_lm *lm, const int64_t *rows, Py_ssize_t n, double *out) {
    const int N = lm->order;
    for (Py_ssize_t i = 0; i < n && i < LM_AHEAD; i++) lm_prefetch(lm, rows + i * N);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i + LM_AHEAD < n) lm_prefetch(lm, rows + (i + LM_AHEAD) * N);
        out[i] = urai_lm_score(lm, rows + i * N);
    }
}

void urai_lm_row3(const urai_lm *lm, const int64_t w3[3], int64_t *row) {
    const int N = lm->order;
    for (int i = 0; i < N; i++) {
        int src = 3 - N + i;
        row[i] = src >= 0 ? w3[src] : -1;
    }
}

/* one window of width 3 (a, b, c) scored by an LM of any order */
static inline double lm_window(const urai_lm *lm, int64_t a, int64_t b, int64_t c) {
    int64_t row[URAI_MAX_ORDER];
    const int64_t w3[3] = {a, b, c};
    urai_lm_row3(lm, w3, row);
    return urai_lm_score(lm, row);
}

/* ---- the three windows of a slot (trigram models) ---------------------------------------
 *
 * For a word w at a slot with neighbours l2 l1 _ r1 r2, the three windows (l2 l1 w),
 * (l1 w r1), (w r1 r2) need the bigrams (l1 w), (w r1), (r1 r2) and (l2 l1) and the trigrams
 * (l2 l1 w), (l1 w r1), (w r1 r2): (l1 w) is both the first window's bigram and the second's
 * context, (w r1) the second's bigram and the third's context, and (r1 r2) and (l2 l1) are
 * the same for every word tried in the slot. Scoring a slot's observed word and candidates
 * together probes each once, with the arithmetic of urai_lm_score (identical numbers). */

static inline int64_t lm_clip(const urai_lm *lm, int64_t c) { return c >= lm->vocab ? 0 : c; }

static inline uint64_t key2(const urai_lm *lm, int64_t a, int64_t b) {
    return (uint64_t)b | ((uint64_t)a << lm->bits);
}

static inline uint64_t key3(const urai_lm *lm, int64_t a, int64_t b, int64_t c) {
    return (uint64_t)c | ((uint64_t)b << lm->bits) | ((uint64_t)a << (2 * lm->bits));
}

/* urai_lm_score for the window (a b c) given its probes: bg = bigram (b c) (probed when b is
 * a word, b >= 0), ctx = bigram (a b) (probed when ``ab_ok``: a and b are words) and tg =
 * trigram (a b c) (probed when the rule asks for it: not found otherwise); the arithmetic is
 * urai_lm_score's, so the numbers are identical */
static inline double lm_combine3(const urai_lm *lm, int64_t b, int ab_ok, int64_t c,
                                 lm_val bg, lm_val ctx, lm_val tg) {
    double result = (double)lm->uni_logp[c];
    double bows = 0.0;
    int b_ok = b >= 0;
    double cbow = b_ok ? (double)lm->uni_bow[b] : 0.0;
    if (b_ok && bg.found) {
        bows = 0.0;
        result = (double)bg.logp;
    } else {
        bows = bows + cbow;
    }
    cbow = ab_ok ? (ctx.found ? (double)ctx.bow : 0.0) : 0.0;
    if (tg.found) {
        bows = 0.0;
        result = (double)tg.logp;
    } else {
        bows = bows + cbow;
    }
    return result + bows;
}

static inline lm_val lm_find2(const urai_lm *lm, int64_t a, int64_t b) {
    return (a >= 0 && b >= 0) ? lm_find(lm, 1, key2(lm, a, b)) : (lm_val){0, 0.0f, 0.0f};
}

void urai_lm_local(const urai_lm *lm, const int64_t *seq, const int64_t *pos,
                   const int64_t *ids, Py_ssize_t k, int64_t eos, double *out) {
    if (lm->order != 3) {
        for (Py_ssize_t j = 0; j < k; j++) {
            int64_t p = pos[j], w = ids[j];
            int64_t l2 = seq[p - 2], l1 = seq[p - 1], r1 = seq[p + 1], r2 = seq[p + 2];
            double s1 = lm_window(lm, l2, l1, w);
            double s2 = lm_window(lm, l1, w, r1);
            double s3 = r1 == eos ? 0.0 : lm_window(lm, w, r1, r2);
            out[j] = s1 + s2 + s3;
        }
        return;
    }
    /* the words tried in one slot (consecutive entries with the same position) are scored
     * in three phases - bigram keys, bigram probes and trigram keys, trigram probes - with
     * every probe address of a phase prefetched first, so the slot's cache misses overlap */
    enum { G = 64 };
    const lm_val none = {0, 0.0f, 0.0f};
    Py_ssize_t j = 0;
    while (j < k) {
        const int64_t p = pos[j];
        Py_ssize_t e = j + 1;
        while (e < k && pos[e] == p && e - j < G) e++;
        const int g = (int)(e - j);
        if (e < k) { /* the next slot's bigram probes, a slot ahead */
            const int64_t q = pos[e];
            const int64_t nl1 = seq[q - 1] < 0 ? -1 : lm_clip(lm, seq[q - 1]);
            const int64_t nr1 = lm_clip(lm, seq[q + 1]);
            for (Py_ssize_t i = e; i < k && pos[i] == q && i - e < G; i++) {
                const int64_t x = ids[i] >= lm->vocab ? 0 : ids[i];
                if (nl1 >= 0) lm_prefetch_slot(lm, 1, key2(lm, nl1, x));
                lm_prefetch_slot(lm, 1, key2(lm, x, nr1));
            }
        }
        const int64_t l2 = seq[p - 2] < 0 ? -1 : lm_clip(lm, seq[p - 2]);
        const int64_t l1 = seq[p - 1] < 0 ? -1 : lm_clip(lm, seq[p - 1]);
        const int64_t r1 = lm_clip(lm, seq[p + 1]), r2 = lm_clip(lm, seq[p + 2]);
        const int third = seq[p + 1] != eos;
        int64_t w[G];
        uint64_t klw[G], kwr[G], k3[3][G];
        lm_val blw[G], bwr[G], t3[3][G];
        int ask[3][G];
        if (l2 >= 0 && l1 >= 0) lm_prefetch_slot(lm, 1, key2(lm, l2, l1));
        lm_prefetch_slot(lm, 1, key2(lm, r1, r2));
        for (int i = 0; i < g; i++) {
            w[i] = ids[j + i] >= lm->vocab ? 0 : ids[j + i];
            if (l1 >= 0) {
                klw[i] = key2(lm, l1, w[i]);
                lm_prefetch_slot(lm, 1, klw[i]);
            }
            kwr[i] = key2(lm, w[i], r1);
            lm_prefetch_slot(lm, 1, kwr[i]);
        }
        const lm_val ctx_l = lm_find2(lm, l2, l1);
        const lm_val bg_r = lm_find2(lm, r1, r2);
        const int closed = lm->closed[2];
        for (int i = 0; i < g; i++) {
            blw[i] = l1 >= 0 ? lm_find(lm, 1, klw[i]) : none;
            bwr[i] = lm_find(lm, 1, kwr[i]);
            /* the trigram probes urai_lm_score would make (suffix-closed models skip the
             * trigrams whose bigram suffix is absent) */
            ask[0][i] = l2 >= 0 && l1 >= 0 && (!closed || blw[i].found);
            ask[1][i] = l1 >= 0 && (!closed || bwr[i].found);
            ask[2][i] = third && (!closed || bg_r.found);
            k3[0][i] = key3(lm, l2, l1, w[i]);
            k3[1][i] = key3(lm, l1, w[i], r1);
            k3[2][i] = key3(lm, w[i], r1, r2);
            for (int q = 0; q < 3; q++)
                if (ask[q][i]) lm_prefetch_slot(lm, 2, k3[q][i]);
        }
        for (int i = 0; i < g; i++)
            for (int q = 0; q < 3; q++) t3[q][i] = ask[q][i] ? lm_find(lm, 2, k3[q][i]) : none;
        for (int i = 0; i < g; i++) {
            double s1 = lm_combine3(lm, l1, l1 >= 0 && l2 >= 0, w[i], blw[i], ctx_l, t3[0][i]);
            double s2 = lm_combine3(lm, w[i], l1 >= 0, r1, bwr[i], blw[i], t3[1][i]);
            double s3 = third ? lm_combine3(lm, r1, 1, r2, bg_r, bwr[i], t3[2][i]) : 0.0;
            out[j + i] = s1 + s2 + s3;
        }
        j = e;
    }
}

void urai_lm_free(urai_lm *lm) {
    for (int i = 0; i < URAI_MAX_ORDER; i++) {
        free(lm->tab[i]);
        free(lm->ptab[i]);
        free(lm->pal_lp[i]);
        free(lm->pal_bow[i]);
        lm->tab[i] = NULL;
        lm->ptab[i] = NULL;
        lm->pal_lp[i] = lm->pal_bow[i] = NULL;
        lm->packed[i] = 0;
    }
    PyMem_Free(lm->uni_logp);
    PyMem_Free(lm->uni_bow);
    lm->uni_logp = lm->uni_bow = NULL;
}

static int bit_length(uint64_t x) {
    int b = 0;
    while (x) {
        b++;
        x >>= 1;
    }
    return b;
}

/* Try the packed layout for order ``i`` with the caller's value codes and palettes
 * (``lpc``/``lpp``/``nlp`` and ``bwc``/``bwp``/``nbw``: NgramLM.value_codes, the model's own
 * quantisation or its distinct values). Returns 1 if built, 0 if the model does not fit it
 * (too many key and code bits, or codes that do not give back its values), -1 on no
 * memory. */
static int lm_build_packed(urai_lm *lm, int i, const uint64_t *keys, const float *logp,
                           const float *bow, Py_ssize_t n, int bits, const int64_t *lpc,
                           const float *lpp, Py_ssize_t nlp, const int64_t *bwc,
                           const float *bwp, Py_ssize_t nbw) {
    uint32_t *plp = malloc(sizeof(uint32_t) * (size_t)(nlp ? nlp : 1));
    uint32_t *pbw = malloc(sizeof(uint32_t) * (size_t)(nbw ? nbw : 1));
    if (plp && pbw) {
        memcpy(plp, lpp, sizeof(uint32_t) * (size_t)nlp);
        memcpy(pbw, bwp, sizeof(uint32_t) * (size_t)nbw);
    } else {
        free(plp);
        free(pbw);
        return -1;
    }
    int kb = lm->bits * (i + 1);
    int lb = bit_length((uint64_t)(nlp > 1 ? nlp - 1 : 1));
    int bb = bit_length((uint64_t)(nbw > 1 ? nbw - 1 : 1));
    if (kb + lb + bb > 64) {
        free(plp);
        free(pbw);
        return 0;
    }
    size_t size = (size_t)1 << bits;
    uint64_t *t = table_alloc(size * sizeof(uint64_t));
    if (!t) {
        free(plp);
        free(pbw);
        return -1;
    }
    for (size_t s = 0; s < size; s++) t[s] = LM_EMPTY;
    uint64_t km = kb == 64 ? ~UINT64_C(0) : ((UINT64_C(1) << kb) - 1);
    int ok = 1;
    for (Py_ssize_t j = 0; j < n && ok; j++) {
        uint64_t key = keys[j];
        uint64_t cl = (uint64_t)lpc[j], cb = (uint64_t)bwc[j];
        /* the caller's codes must give back the model's numbers exactly */
        float b0 = bow ? bow[j] : 0.0f;
        ok = cl < (uint64_t)nlp && cb < (uint64_t)nbw &&
             memcmp(&plp[cl], &logp[j], sizeof(float)) == 0 &&
             memcmp(&pbw[cb], &b0, sizeof(float)) == 0;
        uint64_t word = key | (cl << kb) | (cb << (kb + lb));
        if ((key & ~km) || word == LM_EMPTY) ok = 0;
        uint64_t s = (key * LM_MULT) >> lm->shift[i];
        while (t[s] != LM_EMPTY && (t[s] & km) != key) s = (s + 1) & lm->mask[i];
        t[s] = word;
    }
    if (!ok) {
        free(t);
        free(plp);
        free(pbw);
        return 0;
    }
    lm->packed[i] = 1;
    lm->ptab[i] = t;
    lm->keymask[i] = km;
    lm->kbits[i] = kb;
    lm->lpbits[i] = lb;
    lm->lpmask[i] = (UINT64_C(1) << lb) - 1;
    lm->pal_lp[i] = (float *)plp; /* bit patterns of float32 values: reinterpret in place */
    lm->pal_bow[i] = (float *)pbw;
    return 1;
}

/* Build order index ``i`` from its keys/logp/bow arrays (n entries). */
static int lm_build_order(urai_lm *lm, int i, const uint64_t *keys, const float *logp,
                          const float *bow, Py_ssize_t n, const int64_t *lpc, const float *lpp,
                          Py_ssize_t nlp, const int64_t *bwc, const float *bwp,
                          Py_ssize_t nbw) {
    int bits = bit_length((uint64_t)(2 * n));
    if (bits < 4) bits = 4;
    size_t size = (size_t)1 << bits;
    lm->mask[i] = size - 1;
    lm->shift[i] = 64 - bits;
    for (Py_ssize_t j = 0; j < n; j++)
        if (keys[j] == LM_EMPTY) {
            PyErr_SetString(PyExc_ValueError, "LM: a key uses all 64 bits");
            return -1;
        }
    int rc = (lm->no_pack || !lpc)
                 ? 0
                 : lm_build_packed(lm, i, keys, logp, bow, n, bits, lpc, lpp, nlp, bwc, bwp, nbw);
    if (rc < 0) {
        PyErr_NoMemory();
        return -1;
    }
    if (rc == 1) return 0;
    lm_slot *t = table_alloc(size * sizeof(lm_slot));
    if (!t) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t s = 0; s < size; s++) {
        t[s].key = LM_EMPTY;
        t[s].logp = 0.0f;
        t[s].bow = 0.0f;
    }
    lm->tab[i] = t;
    for (Py_ssize_t j = 0; j < n; j++) {
        uint64_t key = keys[j];
        uint64_t s = (key * LM_MULT) >> lm->shift[i];
        while (t[s].key != LM_EMPTY && t[s].key != key) s = (s + 1) & lm->mask[i];
        t[s].key = key;
        t[s].logp = logp[j];
        t[s].bow = bow ? bow[j] : 0.0f;
    }
    return 0;
}

/* ---- Python type ------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    urai_lm lm;
} LMObject;

static void LM_dealloc(LMObject *self) {
    urai_lm_free(&self->lm);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static float *copy_f32(PyObject *obj, Py_ssize_t expect, const char *what) {
    Py_buffer v;
    if (buf_get(obj, &v, BUF_F32, 0, what) < 0) return NULL;
    if (buf_len(&v) != expect) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd values, got %zd", what, expect,
                     buf_len(&v));
        PyBuffer_Release(&v);
        return NULL;
    }
    float *out = PyMem_Malloc((size_t)(expect ? expect : 1) * sizeof(float));
    if (!out) {
        PyBuffer_Release(&v);
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(out, v.buf, (size_t)expect * sizeof(float));
    PyBuffer_Release(&v);
    return out;
}

/* every key of order i has its suffix (the key without its first word) in order i - 1 */
static int suffix_closed(const urai_lm *lm, int i, const uint64_t *keys, Py_ssize_t n) {
    const uint64_t m = (UINT64_C(1) << (lm->bits * i)) - 1;
    for (Py_ssize_t j = 0; j < n; j++)
        if (!lm_find(lm, i - 1, keys[j] & m).found) return 0;
    return 1;
}

/* LM(bits, vocab_size, keys, logp, bow, codes=None): lists per order (unigrams first) of the
 * model's uint64 keys and float32 log-probabilities/backoffs; ``codes`` optionally gives per
 * order (entry 0 unused) a tuple (logp codes, logp palette, bow codes, bow palette) - int64
 * codes into float32 palettes holding exactly the model's values, e.g. its quantisation -
 * which the packed 8-byte layout needs (without them, or with pack=False, every order keeps
 * the wide 16-byte layout) */
static int LM_init(LMObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"bits", "vocab_size", "keys", "logp", "bow", "codes", "pack", NULL};
    int bits, pack = 1;
    Py_ssize_t V;
    PyObject *keys, *logp, *bow, *codes = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "inO!O!O!|Op", kwlist, &bits, &V,
                                     &PyList_Type, &keys, &PyList_Type, &logp, &PyList_Type,
                                     &bow, &codes, &pack))
        return -1;
    urai_lm_free(&self->lm);
    memset(&self->lm, 0, sizeof(self->lm));
    Py_ssize_t N = PyList_GET_SIZE(keys);
    if (N < 2 || N > URAI_MAX_ORDER || PyList_GET_SIZE(logp) != N ||
        PyList_GET_SIZE(bow) < N - 1 ||
        (codes != Py_None && (!PyList_Check(codes) || PyList_GET_SIZE(codes) != N))) {
        PyErr_Format(PyExc_ValueError, "LM: order must be 2..%d with one array per order",
                     URAI_MAX_ORDER);
        return -1;
    }
    if (bits < 1 || bits * N > 64 || V < 3) {
        PyErr_SetString(PyExc_ValueError, "LM: bad bits or vocabulary size");
        return -1;
    }
    urai_lm *lm = &self->lm;
    lm->order = (int)N;
    lm->bits = bits;
    lm->vocab = V;
    lm->no_pack = !pack;
    if (!(lm->uni_logp = copy_f32(PyList_GET_ITEM(logp, 0), V, "LM unigram logp")))
        return -1;
    if (!(lm->uni_bow = copy_f32(PyList_GET_ITEM(bow, 0), V, "LM unigram bow"))) return -1;
    lm->closed[1] = 1; /* a bigram's suffix is a word id, always there */
    for (Py_ssize_t i = 1; i < N; i++) {
        int has_bow = i < PyList_GET_SIZE(bow);
        PyObject *cd = codes == Py_None ? Py_None : PyList_GET_ITEM(codes, i);
        int has_codes = cd != Py_None;
        if (has_codes && (!PyTuple_Check(cd) || PyTuple_GET_SIZE(cd) != 4)) {
            PyErr_SetString(PyExc_TypeError, "LM codes: expected (codes, palette, codes, "
                                             "palette) per order");
            return -1;
        }
        buf_arg spec[7] = {{PyList_GET_ITEM(keys, i), BUF_U64, 0, "LM keys"},
                           {PyList_GET_ITEM(logp, i), BUF_F32, 0, "LM logp"},
                           {has_bow ? PyList_GET_ITEM(bow, i) : NULL, BUF_F32, 0, "LM bow"}};
        int nb = 2 + has_bow;
        if (!has_bow) spec[2] = spec[1];
        if (has_codes) {
            spec[3] = (buf_arg){PyTuple_GET_ITEM(cd, 0), BUF_I64, 0, "LM logp codes"};
            spec[4] = (buf_arg){PyTuple_GET_ITEM(cd, 1), BUF_F32, 0, "LM logp palette"};
            spec[5] = (buf_arg){PyTuple_GET_ITEM(cd, 2), BUF_I64, 0, "LM bow codes"};
            spec[6] = (buf_arg){PyTuple_GET_ITEM(cd, 3), BUF_F32, 0, "LM bow palette"};
            nb = 7;
        }
        Py_buffer v[7];
        if (buf_get_all(spec, v, nb) < 0) return -1;
        int rc = 0;
        Py_ssize_t n = buf_len(&v[0]);
        if (buf_len(&v[1]) != n || (has_bow && buf_len(&v[2]) != n) ||
            (has_codes && (buf_len(&v[3]) != n || buf_len(&v[5]) != n))) {
            PyErr_SetString(PyExc_ValueError, "LM: keys and values differ in length");
            rc = -1;
        } else {
            rc = lm_build_order(lm, (int)i, v[0].buf, v[1].buf, has_bow ? v[2].buf : NULL, n,
                                has_codes ? v[3].buf : NULL, has_codes ? v[4].buf : NULL,
                                has_codes ? buf_len(&v[4]) : 0, has_codes ? v[5].buf : NULL,
                                has_codes ? v[6].buf : NULL, has_codes ? buf_len(&v[6]) : 0);
            if (rc == 0 && i >= 2) lm->closed[i] = suffix_closed(lm, (int)i, v[0].buf, n);
        }
        buf_release_all(v, nb);
        if (rc < 0) return -1;
    }
    return 0;
}

/* logprob_rows(rows int64 (n, order), out float64 (n,)) */
static PyObject *LM_logprob_rows(LMObject *self, PyObject *args) {
    PyObject *ro, *oo;
    if (!PyArg_ParseTuple(args, "OO", &ro, &oo)) return NULL;
    Py_buffer rv, ov;
    if (buf_get(ro, &rv, BUF_I64, 0, "rows") < 0) return NULL;
    if (buf_get(oo, &ov, BUF_F64, 1, "out") < 0) {
        PyBuffer_Release(&rv);
        return NULL;
    }
    const int N = self->lm.order;
    Py_ssize_t n = buf_len(&ov);
    PyObject *ret = NULL;
    if (buf_len(&rv) != n * N) {
        PyErr_Format(PyExc_ValueError, "rows must have shape (%zd, %d)", n, N);
        goto done;
    }
    const int64_t *rows = rv.buf;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (rows[i * N + N - 1] < 0) {
            PyErr_SetString(PyExc_ValueError, "the last column (predicted word) must be >= 0");
            goto done;
        }
    }
    double *out = ov.buf;
    Py_BEGIN_ALLOW_THREADS
    urai_lm_score_rows(&self->lm, rows, n, out);
    Py_END_ALLOW_THREADS
    ret = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&rv);
    PyBuffer_Release(&ov);
    return ret;
}

/* local_scores(seq, pos, ids, eos, out): the sum of the three trigram windows containing
 * ids[j] placed at seq[pos[j]] (urai.detect.Engine._local_scores) */
static PyObject *LM_local_scores(LMObject *self, PyObject *args) {
    PyObject *so, *po, *io, *oo, *ret = NULL;
    long long eos;
    if (!PyArg_ParseTuple(args, "OOOLO", &so, &po, &io, &eos, &oo)) return NULL;
    const buf_arg spec[4] = {{so, BUF_I64, 0, "seq"}, {po, BUF_I64, 0, "pos"},
                             {io, BUF_I64, 0, "ids"}, {oo, BUF_F64, 1, "out"}};
    Py_buffer v[4];
    if (buf_get_all(spec, v, 4) < 0) return NULL;
    Py_ssize_t k = buf_len(&v[1]), L = buf_len(&v[0]);
    const int64_t *pos = v[1].buf, *ids = v[2].buf;
    if (buf_len(&v[2]) != k || buf_len(&v[3]) != k) {
        PyErr_SetString(PyExc_ValueError, "pos, ids and out differ in length");
        goto done;
    }
    for (Py_ssize_t j = 0; j < k; j++) {
        if (pos[j] < 2 || pos[j] + 2 >= L || ids[j] < 0) {
            PyErr_SetString(PyExc_ValueError, "a position lies outside the sequence layout");
            goto done;
        }
    }
    urai_lm_local(&self->lm, v[0].buf, pos, ids, k, (int64_t)eos, v[3].buf);
    ret = Py_NewRef(Py_None);
done:
    buf_release_all(v, 4);
    return ret;
}

/* a per-order flag array as a tuple of bools (order 1, the unigrams, always False) */
static PyObject *order_flags(const urai_lm *lm, const int *flags) {
    PyObject *t = PyTuple_New(lm->order);
    if (!t) return NULL;
    for (int i = 0; i < lm->order; i++)
        PyTuple_SET_ITEM(t, i, PyBool_FromLong(i > 0 && flags[i]));
    return t;
}

static PyObject *LM_get_packed(LMObject *self, void *closure) {
    (void)closure;
    return order_flags(&self->lm, self->lm.packed);
}

static PyObject *LM_get_closed(LMObject *self, void *closure) {
    (void)closure;
    return order_flags(&self->lm, self->lm.closed);
}

static PyGetSetDef LM_getset[] = {
    {"packed", (getter)LM_get_packed, NULL, "per order: stored in the packed 8-byte layout",
     NULL},
    {"suffix_closed", (getter)LM_get_closed, NULL,
     "per order: every n-gram's suffix is stored one order down", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef LM_methods[] = {
    {"logprob_rows", (PyCFunction)LM_logprob_rows, METH_VARARGS,
     "logprob_rows(rows, out): log10 P(last column | previous columns) of every row"},
    {"local_scores", (PyCFunction)LM_local_scores, METH_VARARGS,
     "local_scores(seq, pos, ids, eos, out): summed log10 P of the three windows of each id"},
    {NULL, NULL, 0, NULL},
};

PyTypeObject urai_LMType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "urai._core.LM",
    .tp_basicsize = sizeof(LMObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "An n-gram LM's hashed tables (built from urai.lm.NgramLM's arrays).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)LM_init,
    .tp_dealloc = (destructor)LM_dealloc,
    .tp_methods = LM_methods,
    .tp_getset = LM_getset,
};

const urai_lm *urai_lm_of(PyObject *obj) {
    if (!PyObject_TypeCheck(obj, &urai_LMType)) {
        PyErr_SetString(PyExc_TypeError, "expected a urai._core.LM");
        return NULL;
    }
    return &((LMObject *)obj)->lm;
}
