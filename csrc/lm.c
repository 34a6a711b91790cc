/* The n-gram LM's scoring in C: the same backoff rule as urai.lm.NgramLM._logprob_rows.
 *
 * Every order above the unigrams is an open-addressing hash whose entries hold the packed
 * key, the log-probability and the backoff together, so a hit costs one cache line: for a
 * quantised model (the shipped one) one 8-byte word of key and value codes, in 32-byte
 * buckets filled to LM_LOAD and compared four at a time; otherwise a 16-byte slot, probed
 * linearly at load <= 0.5. Keys are packed exactly as in urai.lm (word ids of ``bits`` bits
 * each, the predicted word in the lowest bits). Values are the model's float32 numbers,
 * widened to double and summed in the same order as the numpy code, so scores are identical.
 * The scoring kernels are in lm_kern.h, built for the baseline target and for AVX2.
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
void *urai_table_alloc(size_t bytes) {
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
    void *p = NULL;
    return posix_memalign(&p, 64, bytes ? bytes : 64) == 0 ? p : NULL;
}

#define LM_EMPTY UINT64_C(0xFFFFFFFFFFFFFFFF)
#define LM_BUCKET 4 /* words per bucket of the packed layout: half a cache line */
/* the packed layout's default share of used words: at 0.3 a lookup reads one bucket
 * almost always (bigger tables, but fewer probes than denser ones; measured on the
 * shipped model by benchmarks/bench_check_speed.py) */
#define LM_LOAD 0.3
#define LM_MULT UINT64_C(0x9E3779B97F4A7C15)

typedef struct {
    int found;
    float logp, bow;
} lm_val;

/* the home slot of ``key`` in order ``i``'s table: the high bits of the multiplicative hash
 * mapped onto [0, size) by a multiply-shift (tables of any size, not only powers of two) */
static inline uint64_t lm_home(const urai_lm *lm, int i, uint64_t key) {
    return (uint64_t)(((unsigned __int128)(key * LM_MULT) * lm->size[i]) >> 64);
}

static inline uint64_t lm_next(const urai_lm *lm, int i, uint64_t s) {
    return s + 1 == lm->size[i] ? 0 : s + 1;
}

void urai_lm_row3(const urai_lm *lm, const int64_t w3[3], int64_t *row) {
    const int N = lm->order;
    for (int i = 0; i < N; i++) {
        int src = 3 - N + i;
        row[i] = src >= 0 ? w3[src] : -1;
    }
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

/* One slot of a trigram model's local scoring, carried through three stages so that the
 * cache misses of three slots overlap: stage A computes the slot's bigram keys and
 * prefetches them, stage B reads them and prefetches the trigram probes they call for,
 * stage C reads those and combines the windows. Slots are consecutive entries of ``pos``
 * with the same position (at most LM_G of them). */
enum { LM_G = 64 };

typedef struct {
    Py_ssize_t j;
    int g, third;
    int64_t l2, l1, r1, r2;
    lm_val ctx_l, bg_r;
    int64_t w[LM_G];
    uint64_t klw[LM_G], kwr[LM_G], k3[3][LM_G];
    lm_val blw[LM_G], bwr[LM_G];
    unsigned char ask[3][LM_G];
} lm_slot_state;

/* ---- the kernels: a baseline build and, on x86-64 with GCC/clang, an AVX2 build ---------- */

#define LMK(name) name##_base
#define LMK_ATTR
#define LMK_AVX2 0
#include "lm_kern.h"
#undef LMK
#undef LMK_ATTR
#undef LMK_AVX2

#if URAI_HAVE_AVX2
#include <immintrin.h>
#define LMK(name) name##_avx2
#define LMK_ATTR __attribute__((target("avx2")))
#define LMK_AVX2 1
#include "lm_kern.h"
#undef LMK
#undef LMK_ATTR
#undef LMK_AVX2
#endif

static int lm_avx2 = -1; /* -1: not decided yet */

/* the CPU (and OS) can run the AVX2 kernels */
static int cpu_avx2(void) {
#if URAI_HAVE_AVX2
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
#else
    return 0;
#endif
}

int urai_lm_simd(void) {
    if (lm_avx2 < 0) {
        const char *off = getenv("URAI_NO_AVX2");
        lm_avx2 = cpu_avx2() && !(off && *off && strcmp(off, "0") != 0);
    }
    return lm_avx2;
}

int urai_lm_set_simd(int on) {
    lm_avx2 = on && cpu_avx2();
    return lm_avx2;
}

#if URAI_HAVE_AVX2
#define LM_DISPATCH(call) (urai_lm_simd() ? call##_avx2 : call##_base)
#else
#define LM_DISPATCH(call) call##_base
#endif

double urai_lm_score(const urai_lm *lm, const int64_t *row) {
    return LM_DISPATCH(lm_score)(lm, row);
}

void urai_lm_score_rows(const urai_lm *lm, const int64_t *rows, Py_ssize_t n, double *out) {
    LM_DISPATCH(lm_score_rows)(lm, rows, n, out);
}

void urai_lm_local(const urai_lm *lm, const int64_t *seq, const int64_t *pos,
                   const int64_t *ids, Py_ssize_t k, int64_t eos, double *out) {
    LM_DISPATCH(lm_local)(lm, seq, pos, ids, k, eos, out);
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
                           const float *bow, Py_ssize_t n, const int64_t *lpc,
                           const float *lpp, Py_ssize_t nlp, const int64_t *bwc,
                           const float *bwp, Py_ssize_t nbw) {
    int kb = lm->bits * (i + 1);
    int lb = bit_length((uint64_t)(nlp > 1 ? nlp - 1 : 1));
    int bb = bit_length((uint64_t)(nbw > 1 ? nbw - 1 : 1));
    if (kb + lb + bb > 64) return 0;
    /* palettes padded to their code widths: a miss decodes the empty word's codes */
    size_t plen = (size_t)1 << lb, blen = (size_t)1 << bb;
    uint32_t *plp = calloc(plen, sizeof(uint32_t));
    uint32_t *pbw = calloc(blen, sizeof(uint32_t));
    const size_t nb = (size_t)((double)n / (lm->load * LM_BUCKET)) + 1;
    uint64_t *t = (plp && pbw) ? urai_table_alloc(nb * LM_BUCKET * sizeof(uint64_t)) : NULL;
    if (!t) {
        free(plp);
        free(pbw);
        free(t);
        return -1;
    }
    memcpy(plp, lpp, sizeof(uint32_t) * (size_t)nlp);
    memcpy(pbw, bwp, sizeof(uint32_t) * (size_t)nbw);
    for (size_t s = 0; s < nb * LM_BUCKET; s++) t[s] = LM_EMPTY;
    lm->size[i] = nb;
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
        /* the first empty word (or this key's) from the home bucket on */
        uint64_t *w = t + lm_home(lm, i, key) * LM_BUCKET;
        while (*w != LM_EMPTY && (*w & km) != key)
            w = (w + 1 == t + nb * LM_BUCKET) ? t : w + 1;
        *w = word;
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
    lm->bwmask[i] = (UINT64_C(1) << bb) - 1;
    lm->pal_lp[i] = (float *)plp; /* bit patterns of float32 values: reinterpret in place */
    lm->pal_bow[i] = (float *)pbw;
    return 1;
}

/* Build order index ``i`` from its keys/logp/bow arrays (n entries). */
static int lm_build_order(urai_lm *lm, int i, const uint64_t *keys, const float *logp,
                          const float *bow, Py_ssize_t n, const int64_t *lpc, const float *lpp,
                          Py_ssize_t nlp, const int64_t *bwc, const float *bwp,
                          Py_ssize_t nbw) {
    const size_t size = (size_t)(2 * n) + 16; /* wide layout: linear probing, load <= 0.5 */
    for (Py_ssize_t j = 0; j < n; j++)
        if (keys[j] == LM_EMPTY) {
            PyErr_SetString(PyExc_ValueError, "LM: a key uses all 64 bits");
            return -1;
        }
    int rc = (lm->no_pack || !lpc)
                 ? 0
                 : lm_build_packed(lm, i, keys, logp, bow, n, lpc, lpp, nlp, bwc, bwp, nbw);
    if (rc < 0) {
        PyErr_NoMemory();
        return -1;
    }
    if (rc == 1) return 0;
    lm->size[i] = size;
    lm_slot *t = urai_table_alloc(size * sizeof(lm_slot));
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
        uint64_t s = lm_home(lm, i, key);
        while (t[s].key != LM_EMPTY && t[s].key != key) s = lm_next(lm, i, s);
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
        if (!lm_find_base(lm, i - 1, keys[j] & m).found) return 0;
    return 1;
}

/* LM(bits, vocab_size, keys, logp, bow, codes=None): lists per order (unigrams first) of the
 * model's uint64 keys and float32 log-probabilities/backoffs; ``codes`` optionally gives per
 * order (entry 0 unused) a tuple (logp codes, logp palette, bow codes, bow palette) - int64
 * codes into float32 palettes holding exactly the model's values, e.g. its quantisation -
 * which the packed 8-byte layout needs (without them, or with pack=False, every order keeps
 * the wide 16-byte layout) */
static int LM_init(LMObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"bits",  "vocab_size", "keys", "logp", "bow",
                             "codes", "pack",       "load", NULL};
    int bits, pack = 1;
    double load = LM_LOAD;
    Py_ssize_t V;
    PyObject *keys, *logp, *bow, *codes = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "inO!O!O!|Opd", kwlist, &bits, &V,
                                     &PyList_Type, &keys, &PyList_Type, &logp, &PyList_Type,
                                     &bow, &codes, &pack, &load))
        return -1;
    if (!(load > 0.0 && load < 1.0)) {
        PyErr_Format(PyExc_ValueError, "LM: load must lie in (0, 1), got %g", load);
        return -1;
    }
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
    lm->load = load;
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
