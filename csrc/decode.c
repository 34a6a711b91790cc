/* Joint restoration in C: urai.lattice.decode, the same decisions and numbers.
 *
 * Positions whose best candidate is competitive are cut into clusters of neighbours (at most
 * two words apart, at most MAX_CLUSTER positions); a lone position is decided by its own
 * logit; a cluster by enumerating the product of its top options (at most MAX_COMBOS) and
 * scoring each with the LM gain of its windows, where every window is scored once per
 * instantiation of the cluster positions it covers (as urai.lattice._cluster_lm_gain).
 * The LM gains are the reference's to the last bit; the logit sums (nonlm, lm_terms @ w_lm)
 * are summed in another order than numpy's (differences of ~1e-16).
 */
#include "urai_core.h"
#include "buf.h"

#include <math.h>
#include <stdlib.h>

#define MAX_COMBOS 256
#define MAX_CLUSTER 8
#define N_LM_TERMS 5
#define X_NF NF

static const double LM_KNOTS[N_LM_TERMS - 1] = {0.0, 1.0, 2.0, 3.0};

/* lm_terms(d) @ w_lm, in the order of numpy's row-times-vector product */
static inline double lm_term(double d, const double *w) {
    double s = d * w[0];
    for (int k = 0; k < N_LM_TERMS - 1; k++) {
        double r = d - LM_KNOTS[k];
        s += (r > 0.0 ? r : 0.0) * w[k + 1];
    }
    return s;
}

#define TOP 3 /* options per position the decoder can use (k <= 3 below) */

/* the TOP best candidate rows of each position, best first, ties in row order (the first
 * TOP of urai.lattice.rank_candidates' stable sort); -1 where a position has fewer; and
 * n_ok[j], how many of its rows have a logit above ``cut`` */
URAI_KERNEL static void top_rows(const double *z, const int64_t *ptr, Py_ssize_t m, double cut,
                     int64_t *top, int *n_ok) {
    for (Py_ssize_t j = 0; j < m; j++) {
        int64_t *t = top + TOP * j;
        int n = 0, ok = 0;
        for (int64_t r = ptr[j]; r < ptr[j + 1]; r++) {
            const double v = z[r];
            ok += v > cut;
            int i = n < TOP ? n : TOP;
            while (i > 0 && z[t[i - 1]] < v) i--;
            if (i >= TOP) continue;
            for (int q = (n < TOP ? n : TOP - 1); q > i; q--) t[q] = t[q - 1];
            t[i] = r;
            if (n < TOP) n++;
        }
        for (int q = n; q < TOP; q++) t[q] = -1;
        n_ok[j] = ok;
    }
}

typedef struct {
    const urai_lm *lm;
    const double *z, *X; /* logits, evidence rows (X_NF columns; column 0: LM delta) */
    const int64_t *cand_ids, *pos_seq, *seq, *ctx;
    const double *w_lm;
    double threshold;
    int64_t eos;
    int64_t *top; /* TOP best rows per position */
    int64_t *choice;
    double *conf;
    double lm_gain;
} dec_state;

/* the logit of row r without its LM terms (z - lm_terms(delta) @ w_lm) */
static inline double nonlm(const dec_state *st, int64_t r) {
    const double *x = st->X + r * X_NF;
    double s = 0.0;
    for (int f = 0; f < N_LM_TERMS; f++) s += x[f] * st->w_lm[f];
    return st->z[r] - s;
}

/* Decide one cluster of positions g[0..n) (sorted, n >= 2). Returns 0, or -1 if it spans
 * more windows than the buffers hold (impossible for clusters cut as below). */
URAI_KERNEL static int decode_cluster(dec_state *st, const int64_t *g, int n, const int *n_ok) {
    int radix[MAX_CLUSTER], stride[MAX_CLUSTER];
    int k = 3, size = 1;
    for (;;) {
        size = 1;
        for (int c = 0; c < n; c++) {
            radix[c] = 1 + (k < n_ok[c] ? k : n_ok[c]);
            size *= radix[c];
        }
        if (size <= MAX_COMBOS || k == 1) break;
        k--;
    }
    stride[n - 1] = 1;
    for (int c = n - 2; c >= 0; c--) stride[c] = stride[c + 1] * radix[c + 1];
    const int C = size < MAX_COMBOS ? size : MAX_COMBOS;
    const int64_t *top = st->top, *pos_seq = st->pos_seq;
    const int64_t off = pos_seq[g[0]] - 2;
    const int64_t Lc = pos_seq[g[n - 1]] + 3 - off;
    const int nwin = (int)(Lc - 2);
    /* option ids per column: 0 = observed word, d > 0 = d-th best candidate */
    int64_t opt[MAX_CLUSTER][4];
    double opt_extra[MAX_CLUSTER][4];
    for (int c = 0; c < n; c++) {
        int64_t j = g[c];
        opt[c][0] = st->seq[pos_seq[j]];
        opt_extra[c][0] = 0.0;
        for (int d = 1; d < radix[c]; d++) {
            int64_t r = top[TOP * j + d - 1];
            opt[c][d] = st->cand_ids[r];
            opt_extra[c][d] = nonlm(st, r) - st->threshold;
        }
    }
    /* windows: for slot q of window w, the cluster column there (or -1); every window's
     * instantiations are scored in one LM call (their cache misses overlap) */
    enum { MAX_WIN = 2 * MAX_CLUSTER + 4, MAX_INST = 64 };
    double D[MAX_COMBOS], raw[MAX_COMBOS];
    int wcol[MAX_WIN][3], wbase[MAX_WIN + 1];
    double lps[MAX_WIN * MAX_INST];
    int64_t rows[MAX_WIN * MAX_INST * URAI_MAX_ORDER];
    unsigned char centred_eos[MAX_WIN];
    if (nwin > MAX_WIN) return -1; /* cannot happen: clusters span at most 2 * 7 + 1 words */
    const int N = st->lm->order;
    int nrow = 0;
    for (int w = 0; w < nwin; w++) {
        int64_t at = off + w;
        int ninst = 1;
        int64_t base[3];
        for (int q = 0; q < 3; q++) {
            wcol[w][q] = -1;
            base[q] = st->ctx[at + q];
            for (int c = 0; c < n; c++)
                if (pos_seq[g[c]] == at + q) wcol[w][q] = c;
            if (wcol[w][q] >= 0) ninst *= radix[wcol[w][q]];
        }
        wbase[w] = nrow;
        centred_eos[w] = st->ctx[at + 1] == st->eos;
        /* instantiation u: digits of the covered slots, slot 0 most significant */
        int r1 = wcol[w][1] >= 0 ? radix[wcol[w][1]] : 1;
        int r2 = wcol[w][2] >= 0 ? radix[wcol[w][2]] : 1;
        for (int u = 0; u < ninst; u++) {
            int dq[3] = {u / (r1 * r2), (u / r2) % r1, u % r2};
            int64_t row3[3];
            for (int q = 0; q < 3; q++)
                row3[q] = wcol[w][q] >= 0 ? opt[wcol[w][q]][dq[q]] : base[q];
            urai_lm_row3(st->lm, row3, rows + (size_t)nrow * N);
            nrow++;
        }
    }
    wbase[nwin] = nrow;
    if (nrow) urai_lm_score_rows(st->lm, rows, nrow, lps);
    for (int w = 0; w < nwin; w++)
        if (centred_eos[w]) /* no window is centred on </s> */
            for (int u = wbase[w]; u < wbase[w + 1]; u++) lps[u] = 0.0;
    /* combination t's digits (t = sum dig[c] * stride[c], the last digit fastest), kept as
     * an odometer rather than divided out of t */
    int dig[MAX_CLUSTER] = {0};
    for (int t = 0; t < C; t++) {
        if (t) {
            int c = n - 1;
            while (++dig[c] == radix[c]) dig[c--] = 0;
        }
        double extra = 0.0;
        for (int c = 0; c < n; c++) extra += dig[c] > 0 ? opt_extra[c][dig[c]] : 0.0;
        double tot = 0.0;
        for (int w = 0; w < nwin; w++) {
            int u = 0;
            for (int q = 0; q < 3; q++) {
                int c = wcol[w][q];
                if (c >= 0) u = u * radix[c] + dig[c];
            }
            tot += lps[wbase[w] + u];
        }
        D[t] = tot;
        raw[t] = extra;
    }
    double d0 = D[0];
    double segmax = -INFINITY;
    for (int t = 0; t < C; t++) {
        D[t] = D[t] - d0;
        raw[t] = lm_term(D[t], st->w_lm) + raw[t];
        if (raw[t] > segmax) segmax = raw[t];
    }
    if (segmax > 0.0) {
        int b = 0;
        while (raw[b] != segmax) b++;
        st->lm_gain += D[b];
        int nb = 0;
        for (int c = 0; c < n; c++) {
            dig[c] = (b / stride[c]) % radix[c];
            nb += dig[c] > 0;
        }
        double logit_b = raw[b] + st->threshold * nb;
        for (int c = 0; c < n; c++) {
            int oi = dig[c];
            if (oi == 0) continue;
            int64_t j = g[c];
            st->choice[j] = top[TOP * j + oi - 1];
            int idx = b - oi * stride[c];
            if (idx < C) {
                double logit_r = raw[idx] + st->threshold * (nb - 1);
                st->conf[j] = urai_sigmoid(logit_b - logit_r);
            } else {
                st->conf[j] = urai_sigmoid(st->z[st->choice[j]]);
            }
        }
    }
    return 0;
}

/* decode(lm, z, X, cand_ptr, cand_ids, pos_seq, seq, ctx, w_lm, threshold, margin, eos,
 *        choice, conf, z_best, best) -> lm_gain
 * (X: the evidence rows, n x 21; outputs: int64 choice/best and float64 conf/z_best, one
 * entry per position) */
PyObject *urai_py_decode(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *lmo, *o[8], *out[4];
    double threshold, margin;
    long long eos;
    if (!PyArg_ParseTuple(args, "OOOOOOOOOddLOOOO", &lmo, &o[0], &o[1], &o[2], &o[3], &o[4],
                          &o[5], &o[6], &o[7], &threshold, &margin, &eos, &out[0], &out[1],
                          &out[2], &out[3]))
        return NULL;
    const urai_lm *lm = urai_lm_of(lmo);
    if (!lm) return NULL;
    const buf_arg spec[12] = {
        {o[0], BUF_F64, 0, "z"},        {o[1], BUF_F64, 0, "X"},
        {o[2], BUF_I64, 0, "cand_ptr"}, {o[3], BUF_I64, 0, "cand_ids"},
        {o[4], BUF_I64, 0, "pos_seq"},  {o[5], BUF_I64, 0, "seq"},
        {o[6], BUF_I64, 0, "ctx"},      {o[7], BUF_F64, 0, "w_lm"},
        {out[0], BUF_I64, 1, "choice"}, {out[1], BUF_F64, 1, "conf"},
        {out[2], BUF_F64, 1, "z_best"}, {out[3], BUF_I64, 1, "best"}};
    Py_buffer v[12];
    PyObject *ret = NULL;
    int64_t *top = NULL, *comp = NULL;
    int *n_ok = NULL;
    if (buf_get_all(spec, v, 12) < 0) return NULL;
    {
        Py_ssize_t m = buf_len(&v[2]) - 1, n = buf_len(&v[0]), L = buf_len(&v[5]);
        const double *z = v[0].buf, *X = v[1].buf;
        const int64_t *ptr = v[2].buf, *pos_seq = v[4].buf;
        int64_t *choice = v[8].buf, *best = v[11].buf;
        double *conf = v[9].buf, *z_best = v[10].buf;
        if (m < 0 || buf_len(&v[1]) != n * X_NF || buf_len(&v[3]) != n ||
            buf_len(&v[4]) != m || buf_len(&v[6]) != L || buf_len(&v[7]) != N_LM_TERMS ||
            (m > 0 && (ptr[0] != 0 || ptr[m] != n))) {
            PyErr_SetString(PyExc_ValueError, "decode: inconsistent array lengths");
            goto done;
        }
        for (Py_ssize_t i = 0; i < 4; i++)
            if (buf_len(&v[8 + i]) != m) {
                PyErr_SetString(PyExc_ValueError, "decode: outputs need one entry per position");
                goto done;
            }
        for (Py_ssize_t j = 0; j < m; j++)
            if (ptr[j + 1] <= ptr[j] || pos_seq[j] < 2 || pos_seq[j] + 3 > L ||
                (j && pos_seq[j] <= pos_seq[j - 1])) {
                PyErr_SetString(PyExc_ValueError, "decode: bad candidate pointers or positions");
                goto done;
            }
        top = malloc(sizeof(int64_t) * (size_t)(m ? TOP * m : 1));
        comp = malloc(sizeof(int64_t) * (size_t)(m ? m : 1));
        n_ok = malloc(sizeof(int) * (size_t)(m ? m : 1));
        if (!top || !comp || !n_ok) {
            PyErr_NoMemory();
            goto done;
        }
        const double cut = threshold - margin;
        top_rows(z, ptr, m, cut, top, n_ok);
        Py_ssize_t nc = 0;
        for (Py_ssize_t j = 0; j < m; j++) {
            best[j] = top[TOP * j];
            z_best[j] = z[best[j]];
            choice[j] = -1;
            conf[j] = 0.0;
            if (z_best[j] > cut) comp[nc++] = j;
        }
        dec_state st = {lm, z, X, v[3].buf, pos_seq, v[5].buf, v[6].buf, v[7].buf, threshold,
                        (int64_t)eos, top, choice, conf, 0.0};
        /* runs of competitive positions at most two words apart */
        double lone_gain = 0.0;
        Py_ssize_t a = 0;
        while (a < nc) {
            Py_ssize_t b = a + 1;
            while (b < nc && pos_seq[comp[b]] - pos_seq[comp[b - 1]] <= 2) b++;
            Py_ssize_t sz = b - a;
            if (sz == 1) {
                int64_t j = comp[a];
                if (z_best[j] > threshold) {
                    choice[j] = best[j];
                    conf[j] = urai_sigmoid(z_best[j]);
                    lone_gain += X[best[j] * X_NF];
                }
            }
            a = b;
        }
        st.lm_gain = lone_gain;
        a = 0;
        while (a < nc) {
            Py_ssize_t b = a + 1;
            while (b < nc && pos_seq[comp[b]] - pos_seq[comp[b - 1]] <= 2) b++;
            Py_ssize_t sz = b - a;
            if (sz > 1) {
                /* np.array_split into ceil(sz / MAX_CLUSTER) nearly equal parts */
                Py_ssize_t parts = (sz + MAX_CLUSTER - 1) / MAX_CLUSTER;
                Py_ssize_t each = sz / parts, extra = sz % parts, s0 = a;
                for (Py_ssize_t p = 0; p < parts; p++) {
                    int len = (int)(each + (p < extra ? 1 : 0));
                    int ok[MAX_CLUSTER];
                    for (int c = 0; c < len; c++) ok[c] = n_ok[comp[s0 + c]];
                    if (decode_cluster(&st, comp + s0, len, ok) < 0) {
                        PyErr_SetString(PyExc_RuntimeError, "decode: a cluster spans too many "
                                        "windows (a bug in urai._core)");
                        goto done;
                    }
                    s0 += len;
                }
            }
            a = b;
        }
        ret = PyFloat_FromDouble(st.lm_gain);
    }
done:
    buf_release_all(v, 12);
    free(top);
    free(comp);
    free(n_ok);
    return ret;
}
