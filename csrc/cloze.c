/* The cloze model's inference in C (urai.cloze.BoundCloze.delta).
 *
 * The hidden layer relu([E[w-2]; E[w-1]; E[w+1]; E[w+2]] @ W1 + b1) is a sum of four
 * per-word projections P_k[w] = E[w] @ W1[k*d:(k+1)*d], so each input word's four
 * projections are computed once, on first use, and kept: a slot then costs four vector
 * additions instead of a (4d x H) product. Float32 throughout, summed in a fixed order, so
 * results do not depend on the machine's vector width; they differ from numpy's BLAS product
 * only by float32 rounding (~1e-6 relative).
 */
#include "urai_core.h"
#include "buf.h"

#include <math.h>
#include <stdlib.h>

#define LN10 2.302585092994046

static int cloze_alloc_proj(urai_cloze *cz, int64_t r) {
    /* projections live in chunks of 2 MB (512 words at H = 256; never moved: pointers stay
     * valid), on huge pages where the system offers them: a slot reads four words' rows
     * scattered over tens of MB, which with 4 KB pages would mostly miss the TLB */
    const size_t per = (size_t)4 * (size_t)cz->H;
    const Py_ssize_t rows_per_chunk = (Py_ssize_t)(((size_t)2 << 20) / (per * sizeof(float)))
                                          ? (Py_ssize_t)(((size_t)2 << 20) / (per * sizeof(float)))
                                          : 1;
    if (cz->arena_left == 0) {
        size_t n = (size_t)rows_per_chunk * per;
        float *chunk = urai_table_alloc(n * sizeof(float));
        if (!chunk) return -1;
        if (cz->n_chunks == cz->cap_chunks) {
            Py_ssize_t cap = cz->cap_chunks ? 2 * cz->cap_chunks : 16;
            float **c2 = realloc(cz->chunks, (size_t)cap * sizeof(float *));
            if (!c2) {
                free(chunk);
                return -1;
            }
            cz->chunks = c2;
            cz->cap_chunks = cap;
        }
        cz->chunks[cz->n_chunks++] = chunk;
        cz->arena = chunk;
        cz->arena_left = rows_per_chunk;
    }
    float *p = cz->arena;
    cz->arena += 4 * cz->H;
    cz->arena_left--;
    const int d = cz->d, H = cz->H;
    const float *e = cz->E + r * d;
    for (int k = 0; k < 4; k++) {
        float *out = p + k * H;
        for (int h = 0; h < H; h++) out[h] = 0.0f;
        const float *W = cz->W1 + (size_t)k * d * H;
        for (int i = 0; i < d; i++) {
            const float x = e[i];
            const float *wr = W + (size_t)i * H;
            for (int h = 0; h < H; h++) out[h] += x * wr[h];
        }
    }
    cz->proj[r] = p;
    return 0;
}

/* input row of an LM id (-1: "no word") */
static inline int64_t cloze_in_row(const urai_cloze *cz, int64_t id) {
    if (id < 0 || id >= cz->n_lm) return cz->in_map[cz->n_lm]; /* the pad row */
    return cz->in_map[id];
}

/* U[row] . h over 8 lanes, lanes summed in a fixed order: every variant below performs the
 * same float operations in the same order, so they give identical results */
/* prefetch ``bytes`` from ``p`` (a row the next step reads) */
static inline void prefetch_row(const void *p, size_t bytes) {
    for (size_t o = 0; o < bytes; o += 64) __builtin_prefetch((const char *)p + o);
}

/* prefetch the projections the hidden state of slot seq[p] will read (those computed) */
static inline void prefetch_hidden(const urai_cloze *cz, const int64_t *seq, int64_t p) {
    const int64_t ctx[4] = {seq[p - 2], seq[p - 1], seq[p + 1], seq[p + 2]};
    for (int k = 0; k < 4; k++) {
        const float *pr = cz->proj[cloze_in_row(cz, ctx[k])];
        if (pr) prefetch_row(pr + k * cz->H, sizeof(float) * (size_t)cz->H);
    }
}

static inline float lanes_sum(const float acc[8]) {
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

static float dot_f32(const void *row, const float *restrict b, int n) {
    const float *restrict a = row;
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < n; i += 8)
        for (int l = 0; l < 8; l++) acc[l] += a[i + l] * b[i + l];
    return lanes_sum(acc);
}

/* four dot products at once (their latency chains overlap), each with the very operations
 * of the single dot above */
static void dot4_f32(const void *const rows[4], const float *const h[4], int n, float out[4]) {
    for (int q = 0; q < 4; q++) out[q] = dot_f32(rows[q], h[q], n);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define URAI_HAVE_F16 1
/* F16C by CPUID (clang's __builtin_cpu_supports does not know "f16c") */
static int cpu_has_f16c(void) {
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C) != 0;
}
/* float16 weights (exactly the shipped values) converted on the fly: half the memory
 * traffic of float32 rows */
__attribute__((target("avx2,f16c"))) static float dot_f16(const void *row,
                                                          const float *restrict b, int n) {
    const uint16_t *a = row;
    __m256 acc = _mm256_setzero_ps();
    for (int i = 0; i < n; i += 8) {
        __m256 x = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a + i)));
        acc = _mm256_add_ps(acc, _mm256_mul_ps(x, _mm256_loadu_ps(b + i)));
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, acc);
    return lanes_sum(lanes);
}
__attribute__((target("avx2,f16c"))) static void dot4_f16(const void *const rows[4],
                                                           const float *const h[4], int n,
                                                           float out[4]) {
    const uint16_t *a0 = rows[0], *a1 = rows[1], *a2 = rows[2], *a3 = rows[3];
    __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
    for (int i = 0; i < n; i += 8) {
        c0 = _mm256_add_ps(c0, _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a0 + i))),
                                             _mm256_loadu_ps(h[0] + i)));
        c1 = _mm256_add_ps(c1, _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a1 + i))),
                                             _mm256_loadu_ps(h[1] + i)));
        c2 = _mm256_add_ps(c2, _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a2 + i))),
                                             _mm256_loadu_ps(h[2] + i)));
        c3 = _mm256_add_ps(c3, _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a3 + i))),
                                             _mm256_loadu_ps(h[3] + i)));
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, c0);
    out[0] = lanes_sum(lanes);
    _mm256_storeu_ps(lanes, c1);
    out[1] = lanes_sum(lanes);
    _mm256_storeu_ps(lanes, c2);
    out[2] = lanes_sum(lanes);
    _mm256_storeu_ps(lanes, c3);
    out[3] = lanes_sum(lanes);
}
/* the float16 values hold exactly the float32 ones */
__attribute__((target("avx2,f16c"))) static int f16_exact(const uint16_t *h, const float *f,
                                                          Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i += 8) {
        float back[8];
        _mm256_storeu_ps(back, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + i))));
        for (int l = 0; l < 8; l++)
            if (back[l] != f[i + l]) return 0;
    }
    return 1;
}
#endif

URAI_KERNEL int urai_cloze_hidden(urai_cloze *cz, const int64_t *seq, int64_t p, float *restrict h) {
    const int H = cz->H;
    const float *restrict b1 = cz->b1;
    const int64_t ctx[4] = {seq[p - 2], seq[p - 1], seq[p + 1], seq[p + 2]};
    const float *pk[4];
    for (int k = 0; k < 4; k++) {
        int64_t r = cloze_in_row(cz, ctx[k]);
        if (!cz->proj[r] && cloze_alloc_proj(cz, r) < 0) {
            PyErr_NoMemory();
            return -1;
        }
        pk[k] = cz->proj[r] + k * H;
    }
    const float *restrict p0 = pk[0], *restrict p1 = pk[1], *restrict p2 = pk[2],
                          *restrict p3 = pk[3];
    for (int j = 0; j < H; j++) {
        float v = ((p0[j] + p1[j]) + (p2[j] + p3[j])) + b1[j];
        h[j] = v > 0.0f ? v : 0.0f;
    }
    return 0;
}

/* grow a scratch buffer of cz to hold n items of size sz */
static int scratch(void **buf, Py_ssize_t *cap, Py_ssize_t n, size_t sz) {
    if (n <= *cap) return 0;
    Py_ssize_t c = *cap ? *cap : 256;
    while (c < n) c *= 2;
    void *p = realloc(*buf, (size_t)c * sz);
    if (!p) return -1;
    *buf = p;
    *cap = c;
    return 0;
}

/* s[t] = U[row[t]] . h[slot[t]] + ub[row[t]] for the q (1..4) pairs: four dot products at
 * once (a short group repeats its last pair; only the first q results are kept) */
static void row_scores(const urai_cloze *cz, const int32_t *row, const int32_t *slot, int q,
                       float s[4]) {
    const int H = cz->H;
    const size_t row_bytes = (size_t)H * cz->u_item;
    const void *rw[4];
    const float *hv[4];
    for (int t = 0; t < 4; t++) {
        const int u = t < q ? t : q - 1;
        rw[t] = (const char *)cz->U + (size_t)row[u] * row_bytes;
        hv[t] = cz->hmat + (Py_ssize_t)slot[u] * H;
    }
    cz->dot4(rw, hv, H, s);
    for (int t = 0; t < q; t++) s[t] = s[t] + cz->ub[row[t]];
}

/* so[slot[t]] for the q pending slots and the output rows of their observed words */
static void observed_scores(urai_cloze *cz, const int32_t *slot, const int32_t *row, int q) {
    float s[4];
    row_scores(cz, row, slot, q, s);
    for (int t = 0; t < q; t++) cz->so[slot[t]] = s[t];
}

URAI_KERNEL int urai_cloze_fill(urai_cloze *cz, const int64_t *ctx, Py_ssize_t m, const int64_t *pseq,
                    const int64_t *obs, const int64_t *ptr, const int64_t *cand,
                    const unsigned char *sel, double *out, Py_ssize_t stride) {
    const int H = cz->H;
    const Py_ssize_t n = ptr[m];
    if (scratch((void **)&cz->hmat, &cz->cap_hmat, m * H, sizeof(float)) < 0 ||
        scratch((void **)&cz->so, &cz->cap_so, m, sizeof(float)) < 0 ||
        scratch((void **)&cz->rows, &cz->cap_rows, n, sizeof(int64_t)) < 0 ||
        scratch((void **)&cz->rslot, &cz->cap_rslot, n, sizeof(int32_t)) < 0 ||
        scratch((void **)&cz->urow, &cz->cap_urow, n, sizeof(int32_t)) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    if (!cz->bucket) {
        cz->bucket = calloc((size_t)cz->n_out + 1, sizeof(int32_t));
        if (!cz->bucket) {
            PyErr_NoMemory();
            return -1;
        }
    }
    /* hidden states and observed-word scores of the slots that get evidence; the rows of
     * those slots counted per output row (a counting sort: each U row is read once) */
    int32_t *bucket = cz->bucket;
    Py_ssize_t nrows = 0;
    int32_t pend[4], prow[4];
    int np = 0; /* slots whose observed-word score is pending: scored four at a time */
    for (Py_ssize_t j = 0; j < m; j++) {
        if (j + 1 < m && (!sel || sel[j + 1])) prefetch_hidden(cz, ctx, pseq[j + 1]);
        if (sel && !sel[j]) continue;
        int64_t o = obs[j];
        int64_t ro = (o >= 0 && o < cz->n_lm) ? cz->out_map[o] : -1;
        int any = 0;
        for (int64_t r = ptr[j]; r < ptr[j + 1]; r++) {
            int64_t c = cand[r];
            int64_t rc = (c >= 0 && c < cz->n_lm) ? cz->out_map[c] : -1;
            out[r * stride] = 0.0;
            if (rc >= 0 && ro >= 0) {
                bucket[rc + 1]++;
                any = 1;
                nrows++;
            }
        }
        if (!any) continue;
        float *h = cz->hmat + j * H;
        if (urai_cloze_hidden(cz, ctx, pseq[j], h) < 0) return -1;
        pend[np] = (int32_t)j;
        prow[np++] = (int32_t)ro;
        if (np == 4) {
            observed_scores(cz, pend, prow, np);
            np = 0;
        }
    }
    if (np) observed_scores(cz, pend, prow, np);
    if (!nrows) return 0;
    for (Py_ssize_t i = 0; i < cz->n_out; i++) bucket[i + 1] += bucket[i];
    for (Py_ssize_t j = 0; j < m; j++) {
        if (sel && !sel[j]) continue;
        int64_t o = obs[j];
        if (o < 0 || o >= cz->n_lm || cz->out_map[o] < 0) continue;
        for (int64_t r = ptr[j]; r < ptr[j + 1]; r++) {
            int64_t c = cand[r];
            int64_t rc = (c >= 0 && c < cz->n_lm) ? cz->out_map[c] : -1;
            if (rc < 0) continue;
            int32_t at = bucket[rc]++;
            cz->rows[at] = r;
            cz->rslot[at] = (int32_t)j;
            cz->urow[at] = (int32_t)rc;
        }
    }
    /* the items in U-row order (each U row read once, while it is in the cache), four dot
     * products at a time, the rows a few items ahead prefetched */
    const size_t row_bytes = (size_t)H * cz->u_item;
    const char *U = (const char *)cz->U;
    enum { AHEAD = 8 };
    for (Py_ssize_t i = 0; i < nrows && i < AHEAD; i++)
        if (i == 0 || cz->urow[i] != cz->urow[i - 1])
            prefetch_row(U + (size_t)cz->urow[i] * row_bytes, row_bytes);
    for (Py_ssize_t i = 0; i < nrows; i += 4) {
        const int q = nrows - i < 4 ? (int)(nrows - i) : 4;
        for (Py_ssize_t f = i + AHEAD; f < i + AHEAD + 4 && f < nrows; f++)
            if (cz->urow[f] != cz->urow[f - 1])
                prefetch_row(U + (size_t)cz->urow[f] * row_bytes, row_bytes);
        float sc[4];
        row_scores(cz, cz->urow + i, cz->rslot + i, q, sc);
        for (int t = 0; t < q; t++)
            out[cz->rows[i + t] * stride] = (double)(sc[t] - cz->so[cz->rslot[i + t]]) / LN10;
    }
    memset(bucket, 0, sizeof(int32_t) * ((size_t)cz->n_out + 1));
    return 0;
}

void urai_cloze_free(urai_cloze *cz) {
    for (Py_ssize_t i = 0; i < cz->n_chunks; i++) free(cz->chunks[i]);
    free(cz->chunks);
    free(cz->proj);
    free(cz->E);
    free(cz->W1);
    free(cz->b1);
    free(cz->U);
    free(cz->ub);
    free(cz->in_map);
    free(cz->out_map);
    free(cz->hmat);
    free(cz->so);
    free(cz->rows);
    free(cz->rslot);
    free(cz->urow);
    free(cz->bucket);
    memset(cz, 0, sizeof(*cz));
}

/* ---- Python type ------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    urai_cloze cz;
} ClozeObject;

static void Cloze_dealloc(ClozeObject *self) {
    urai_cloze_free(&self->cz);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static void *copy_buf(PyObject *obj, int type, Py_ssize_t expect, const char *what) {
    Py_buffer v;
    if (buf_get(obj, &v, type, 0, what) < 0) return NULL;
    if (buf_len(&v) != expect) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd values, got %zd", what, expect,
                     buf_len(&v));
        PyBuffer_Release(&v);
        return NULL;
    }
    void *out = malloc((size_t)(v.len ? v.len : 1));
    if (!out) {
        PyBuffer_Release(&v);
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(out, v.buf, (size_t)v.len);
    PyBuffer_Release(&v);
    return out;
}

/* Cloze(E, W1, b1, U, ub, in_map, out_map, d, U16=None): float32 weights (E: (n_in, d) with the "no word"
 * row last, W1: (4d, H), b1: (H,), U: (n_out, H), ub: (n_out,)) and int64 maps from LM ids
 * (in_map has one extra entry, for "no word"); U16 optionally U as float16 (uint16 bits), used
 * where the CPU converts float16 and it holds exactly U's numbers */
static int Cloze_init(ClozeObject *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"E", "W1", "b1", "U", "ub", "in_map", "out_map", "d", "U16",
                             NULL};
    PyObject *E, *W1, *b1, *U, *ub, *im, *om, *U16 = Py_None;
    int d;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOOOOi|O", kwlist, &E, &W1, &b1, &U, &ub,
                                     &im, &om, &d, &U16))
        return -1;
    urai_cloze_free(&self->cz);
    urai_cloze *cz = &self->cz;
    Py_buffer v;
    if (buf_get(b1, &v, BUF_F32, 0, "b1") < 0) return -1;
    cz->H = (int)buf_len(&v);
    PyBuffer_Release(&v);
    if (buf_get(E, &v, BUF_F32, 0, "E") < 0) return -1;
    Py_ssize_t ne = buf_len(&v);
    PyBuffer_Release(&v);
    if (buf_get(ub, &v, BUF_F32, 0, "ub") < 0) return -1;
    cz->n_out = buf_len(&v);
    PyBuffer_Release(&v);
    if (buf_get(om, &v, BUF_I64, 0, "out_map") < 0) return -1;
    cz->n_lm = buf_len(&v);
    PyBuffer_Release(&v);
    if (d < 1 || cz->H < 1 || ne % d) {
        PyErr_SetString(PyExc_ValueError, "Cloze: inconsistent shapes");
        return -1;
    }
    cz->d = d;
    cz->n_in = ne / d;
    if (!(cz->E = copy_buf(E, BUF_F32, ne, "E"))) return -1;
    if (!(cz->W1 = copy_buf(W1, BUF_F32, (Py_ssize_t)4 * d * cz->H, "W1"))) return -1;
    if (!(cz->b1 = copy_buf(b1, BUF_F32, cz->H, "b1"))) return -1;
    if (cz->H % 8) {
        PyErr_SetString(PyExc_ValueError, "Cloze: the hidden size must be a multiple of 8");
        return -1;
    }
    if (!(cz->U = copy_buf(U, BUF_F32, cz->n_out * cz->H, "U"))) return -1;
    cz->u_item = sizeof(float);
    cz->dot = dot_f32;
    cz->dot4 = dot4_f32;
#ifdef URAI_HAVE_F16
    if (__builtin_cpu_supports("avx2") && cpu_has_f16c() && U16 != Py_None) {
        /* the float16 copy is used only when it holds exactly the same numbers */
        Py_buffer hv;
        if (buf_get(U16, &hv, BUF_U16, 0, "U16") < 0) return -1;
        int ok = buf_len(&hv) == cz->n_out * cz->H && f16_exact(hv.buf, cz->U, buf_len(&hv));
        if (ok) {
            void *u16 = urai_table_alloc((size_t)hv.len); /* rows read at random */
            if (!u16) {
                PyBuffer_Release(&hv);
                PyErr_NoMemory();
                return -1;
            }
            memcpy(u16, hv.buf, (size_t)hv.len);
            free(cz->U);
            cz->U = u16;
            cz->u_item = sizeof(uint16_t);
            cz->dot = dot_f16;
            cz->dot4 = dot4_f16;
        }
        PyBuffer_Release(&hv);
    }
#endif
    if (!(cz->ub = copy_buf(ub, BUF_F32, cz->n_out, "ub"))) return -1;
    if (!(cz->in_map = copy_buf(im, BUF_I64, cz->n_lm + 1, "in_map"))) return -1;
    if (!(cz->out_map = copy_buf(om, BUF_I64, cz->n_lm, "out_map"))) return -1;
    for (Py_ssize_t i = 0; i <= cz->n_lm; i++) {
        if (cz->in_map[i] < 0 || cz->in_map[i] >= cz->n_in) {
            PyErr_SetString(PyExc_ValueError, "Cloze: in_map points outside E");
            return -1;
        }
        if (i < cz->n_lm && cz->out_map[i] >= cz->n_out) {
            PyErr_SetString(PyExc_ValueError, "Cloze: out_map points outside U");
            return -1;
        }
    }
    cz->proj = calloc((size_t)cz->n_in, sizeof(float *));
    if (!cz->proj) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* delta(seq, pos, obs_ids, cand_ids, owner, out): as BoundCloze.delta (rows grouped by
 * owner, owners ascending), through the same urai_cloze_fill the analyser uses */
static PyObject *Cloze_delta(ClozeObject *self, PyObject *args) {
    PyObject *so, *po, *oo, *co, *wo, *outo, *ret = NULL;
    if (!PyArg_ParseTuple(args, "OOOOOO", &so, &po, &oo, &co, &wo, &outo)) return NULL;
    const buf_arg spec[6] = {{so, BUF_I64, 0, "seq"},      {po, BUF_I64, 0, "pos"},
                             {oo, BUF_I64, 0, "obs_ids"},  {co, BUF_I64, 0, "cand_ids"},
                             {wo, BUF_I64, 0, "owner"},    {outo, BUF_F64, 1, "out"}};
    Py_buffer v[6];
    if (buf_get_all(spec, v, 6) < 0) return NULL;
    Py_ssize_t m = buf_len(&v[1]), n = buf_len(&v[3]), L = buf_len(&v[0]);
    const int64_t *pos = v[1].buf, *owner = v[4].buf;
    int64_t *ptr = NULL;
    if (buf_len(&v[2]) != m || buf_len(&v[4]) != n || buf_len(&v[5]) != n) {
        PyErr_SetString(PyExc_ValueError, "delta: array lengths differ");
        goto done;
    }
    for (Py_ssize_t j = 0; j < m; j++)
        if (pos[j] < 2 || pos[j] + 2 >= L) {
            PyErr_SetString(PyExc_ValueError, "delta: a position lies outside seq");
            goto done;
        }
    /* owner -> the CSR pointer of each slot's candidate rows */
    if (!(ptr = calloc((size_t)m + 1, sizeof(int64_t)))) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t r = 0; r < n; r++) {
        int64_t j = owner[r];
        if (j < 0 || j >= m || (r > 0 && j < owner[r - 1])) {
            PyErr_SetString(PyExc_ValueError, "delta: owner must be ascending slot indexes");
            goto done;
        }
        ptr[j + 1]++;
    }
    for (Py_ssize_t j = 0; j < m; j++) ptr[j + 1] += ptr[j];
    if (m && urai_cloze_fill(&self->cz, v[0].buf, m, pos, v[2].buf, ptr, v[3].buf, NULL,
                             v[5].buf, 1) < 0)
        goto done;
    ret = Py_NewRef(Py_None);
done:
    free(ptr);
    buf_release_all(v, 6);
    return ret;
}

static PyMethodDef Cloze_methods[] = {
    {"delta", (PyCFunction)Cloze_delta, METH_VARARGS,
     "delta(seq, pos, obs_ids, cand_ids, owner, out): log10 gain of each candidate"},
    {NULL, NULL, 0, NULL},
};

PyTypeObject urai_ClozeType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "urai._core.Cloze",
    .tp_basicsize = sizeof(ClozeObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A cloze model bound to an LM vocabulary (from urai.cloze.BoundCloze).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Cloze_init,
    .tp_dealloc = (destructor)Cloze_dealloc,
    .tp_methods = Cloze_methods,
};

urai_cloze *urai_cloze_of(PyObject *obj) {
    if (!PyObject_TypeCheck(obj, &urai_ClozeType)) {
        PyErr_SetString(PyExc_TypeError, "expected a urai._core.Cloze");
        return NULL;
    }
    return &((ClozeObject *)obj)->cz;
}
