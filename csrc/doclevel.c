/* Document-level helpers of the check (urai.detect.doclevel): grouping the candidate rows of
 * a document by (observed word, candidate), counting words in a document, and the type term
 * of the document bias. One hash table per call, O(rows); the numbers are those of the
 * numpy reference (the same float operations in the same row order).
 */
#include "urai_core.h"
#include "buf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* open-addressing table of int64 keys (power-of-two size, linear probing) */
typedef struct {
    int64_t *key;
    int64_t *val;
    uint64_t mask;
} i64_map;

static int map_init(i64_map *m, Py_ssize_t n) {
    uint64_t size = 16;
    while (size < (uint64_t)n * 2) size <<= 1;
    m->key = malloc(size * sizeof(int64_t));
    m->val = malloc(size * sizeof(int64_t));
    m->mask = size - 1;
    if (!m->key || !m->val) {
        free(m->key);
        free(m->val);
        PyErr_NoMemory();
        return -1;
    }
    memset(m->key, 0xff, size * sizeof(int64_t)); /* -1: empty (keys are >= 0) */
    return 0;
}

static void map_free(i64_map *m) {
    free(m->key);
    free(m->val);
}

static inline uint64_t map_hash(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

/* the slot of ``k`` (its own, or the empty one where it would go) */
static inline uint64_t map_slot(const i64_map *m, int64_t k) {
    uint64_t s = map_hash((uint64_t)k) & m->mask;
    while (m->key[s] != k && m->key[s] != -1) s = (s + 1) & m->mask;
    return s;
}

/* doc_groups(obs_ids, cand_pos, cand_ids, X, unk, inv, counts, known) -> number of groups.
 * Row r's key is (obs_ids[cand_pos[r]], cand_ids[r]) when both words and the observed word's
 * record are known to the LM (X[r, obs_unknown] == 0), else a group of its own; groups are
 * numbered in order of first appearance. inv (n), counts (n; the first `groups` entries are
 * written) and known (n, uint8) are outputs. */
static PyObject *py_doc_groups(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *o[7];
    long long unk;
    if (!PyArg_ParseTuple(args, "OOOOLOOO", &o[0], &o[1], &o[2], &o[3], &unk, &o[4], &o[5],
                          &o[6]))
        return NULL;
    const buf_arg spec[7] = {{o[0], BUF_I64, 0, "obs_ids"}, {o[1], BUF_I64, 0, "cand_pos"},
                             {o[2], BUF_I64, 0, "cand_ids"}, {o[3], BUF_F64, 0, "X"},
                             {o[4], BUF_I64, 1, "inv"},      {o[5], BUF_I64, 1, "counts"},
                             {o[6], BUF_U8, 1, "known"}};
    Py_buffer v[7];
    if (buf_get_all(spec, v, 7) < 0) return NULL;
    PyObject *ret = NULL;
    const Py_ssize_t m = buf_len(&v[0]), n = buf_len(&v[2]);
    const int64_t *obs = v[0].buf, *pos = v[1].buf, *cand = v[2].buf;
    const double *X = v[3].buf;
    int64_t *inv = v[4].buf, *counts = v[5].buf;
    unsigned char *known = v[6].buf;
    i64_map map = {NULL, NULL, 0};
    if (buf_len(&v[1]) != n || buf_len(&v[3]) != n * NF || buf_len(&v[4]) != n ||
        buf_len(&v[5]) != n || buf_len(&v[6]) != n) {
        PyErr_SetString(PyExc_ValueError, "doc_groups: inconsistent array lengths");
        goto done;
    }
    int64_t cmax = 0;
    for (Py_ssize_t r = 0; r < n; r++) {
        if (pos[r] < 0 || pos[r] >= m) {
            PyErr_SetString(PyExc_ValueError, "doc_groups: cand_pos out of range");
            goto done;
        }
        if (cand[r] > cmax) cmax = cand[r];
    }
    if (map_init(&map, n) < 0) goto done;
    int64_t g = 0;
    const int64_t width = cmax + 2;
    for (Py_ssize_t r = 0; r < n; r++) {
        const int64_t ob = obs[pos[r]], c = cand[r];
        const int ok = X[r * NF + F_OBS_UNK] == 0.0 && ob != unk && c != unk;
        known[r] = (unsigned char)ok;
        if (ok && (ob < 0 || c < 0)) {
            PyErr_SetString(PyExc_ValueError, "doc_groups: negative LM id");
            goto done;
        }
        if (!ok) {
            counts[g] = 1;
            inv[r] = g++;
            continue;
        }
        const int64_t key = ob * width + c;
        const uint64_t s = map_slot(&map, key);
        if (map.key[s] == -1) {
            map.key[s] = key;
            map.val[s] = g;
            counts[g] = 0;
            g++;
        }
        inv[r] = map.val[s];
        counts[map.val[s]]++;
    }
    ret = PyLong_FromLongLong(g);
done:
    map_free(&map);
    buf_release_all(v, 7);
    return ret;
}

/* id_counts(seq, of, out): out[i] = how often of[i] occurs among the entries >= 0 of seq
 * (as float64) */
static PyObject *py_id_counts(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *o[3];
    if (!PyArg_ParseTuple(args, "OOO", &o[0], &o[1], &o[2])) return NULL;
    const buf_arg spec[3] = {{o[0], BUF_I64, 0, "seq"}, {o[1], BUF_I64, 0, "of"},
                             {o[2], BUF_F64, 1, "out"}};
    Py_buffer v[3];
    if (buf_get_all(spec, v, 3) < 0) return NULL;
    PyObject *ret = NULL;
    const Py_ssize_t L = buf_len(&v[0]), k = buf_len(&v[1]);
    const int64_t *seq = v[0].buf, *of = v[1].buf;
    double *out = v[2].buf;
    i64_map map = {NULL, NULL, 0};
    if (buf_len(&v[2]) != k) {
        PyErr_SetString(PyExc_ValueError, "id_counts: out needs one entry per id");
        goto done;
    }
    if (map_init(&map, L) < 0) goto done;
    for (Py_ssize_t i = 0; i < L; i++) {
        if (seq[i] < 0) continue;
        const uint64_t s = map_slot(&map, seq[i]);
        if (map.key[s] == -1) {
            map.key[s] = seq[i];
            map.val[s] = 0;
        }
        map.val[s]++;
    }
    for (Py_ssize_t i = 0; i < k; i++) {
        if (of[i] < 0) {
            out[i] = 0.0;
            continue;
        }
        const uint64_t s = map_slot(&map, of[i]);
        out[i] = map.key[s] == -1 ? 0.0 : (double)map.val[s];
    }
    ret = Py_NewRef(Py_None);
done:
    map_free(&map);
    buf_release_all(v, 3);
    return ret;
}

/* type_term(inv, counts, z, center, cap, weight, term, others): per row, ev = clip(z - center,
 * -cap, cap); term = weight * (sum of ev over the row's group - ev) (the group sums added in
 * row order, as numpy's bincount), others = rows in its group - 1 */
static PyObject *py_type_term(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *o[5];
    double center, cap, weight;
    if (!PyArg_ParseTuple(args, "OOOdddOO", &o[0], &o[1], &o[2], &center, &cap, &weight, &o[3],
                          &o[4]))
        return NULL;
    const buf_arg spec[5] = {{o[0], BUF_I64, 0, "inv"}, {o[1], BUF_I64, 0, "counts"},
                             {o[2], BUF_F64, 0, "z"},   {o[3], BUF_F64, 1, "term"},
                             {o[4], BUF_I64, 1, "others"}};
    Py_buffer v[5];
    if (buf_get_all(spec, v, 5) < 0) return NULL;
    PyObject *ret = NULL;
    const Py_ssize_t n = buf_len(&v[2]), g = buf_len(&v[1]);
    const int64_t *inv = v[0].buf, *counts = v[1].buf;
    const double *z = v[2].buf;
    double *term = v[3].buf, *sums = NULL;
    int64_t *others = v[4].buf;
    if (buf_len(&v[0]) != n || buf_len(&v[3]) != n || buf_len(&v[4]) != n) {
        PyErr_SetString(PyExc_ValueError, "type_term: inconsistent array lengths");
        goto done;
    }
    for (Py_ssize_t r = 0; r < n; r++)
        if (inv[r] < 0 || inv[r] >= g) {
            PyErr_SetString(PyExc_ValueError, "type_term: group out of range");
            goto done;
        }
    sums = calloc((size_t)(g ? g : 1), sizeof(double));
    if (!sums) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t r = 0; r < n; r++) {
        const double d = z[r] - center;
        const double ev = d < -cap ? -cap : (d > cap ? cap : d);
        term[r] = ev;
        sums[inv[r]] += ev;
    }
    for (Py_ssize_t r = 0; r < n; r++) {
        term[r] = weight * (sums[inv[r]] - term[r]);
        others[r] = counts[inv[r]] - 1;
    }
    ret = Py_NewRef(Py_None);
done:
    free(sums);
    buf_release_all(v, 5);
    return ret;
}


/* ---- boosted depth-2 trees (urai.detect.rescore.TreeModel.logit) ---------------------- */

/* tree_logit(Xt, split_feature, split_value, leaf, bias, out): for every row r of the
 * feature-major Xt (F x n: Xt[f * n + r] is feature f of row r), out[r] = bias + the sum
 * over trees t (in order) of leaf[t, 2 * (x[f0] > v0) + (x[f] > v)], (f, v) being the left
 * child's split (f1, v1) when x[f0] <= v0 and the right child's (f2, v2) else. Each row's
 * leaves are added one after the other from 0, as numpy's sum over the tree axis of a
 * (trees x rows) array with rows >= 2, so the numbers are TreeModel.logit's. Tree by tree
 * over blocks of rows (the compiler vectorises the inner loop: contiguous loads, compares
 * and blends). */
#define TREE_BLOCK 256
URAI_KERNEL static void tree_rows(const double *Xt, Py_ssize_t n, const int64_t *sf,
                                  const double *sv, const double *leaf, Py_ssize_t T,
                                  double bias, double *out) {
    double acc[TREE_BLOCK];
    for (Py_ssize_t r0 = 0; r0 < n; r0 += TREE_BLOCK) {
        const Py_ssize_t nb = n - r0 < TREE_BLOCK ? n - r0 : TREE_BLOCK;
        for (Py_ssize_t i = 0; i < nb; i++) acc[i] = 0.0;
        for (Py_ssize_t t = 0; t < T; t++) {
            const double *x0 = Xt + sf[3 * t] * n + r0, *x1 = Xt + sf[3 * t + 1] * n + r0,
                         *x2 = Xt + sf[3 * t + 2] * n + r0;
            const double v0 = sv[3 * t], v1 = sv[3 * t + 1], v2 = sv[3 * t + 2];
            const double l0 = leaf[4 * t], l1 = leaf[4 * t + 1], l2 = leaf[4 * t + 2],
                         l3 = leaf[4 * t + 3];
            for (Py_ssize_t i = 0; i < nb; i++) { /* leaf[2a + b] by selects: vectorises */
                const double lo = x1[i] > v1 ? l1 : l0, hi = x2[i] > v2 ? l3 : l2;
                acc[i] += x0[i] > v0 ? hi : lo;
            }
        }
        for (Py_ssize_t i = 0; i < nb; i++) out[r0 + i] = bias + acc[i];
    }
}

static PyObject *py_tree_logit(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *o[5];
    double bias;
    if (!PyArg_ParseTuple(args, "OOOOdO", &o[0], &o[1], &o[2], &o[3], &bias, &o[4]))
        return NULL;
    const buf_arg spec[5] = {{o[0], BUF_F64, 0, "Xt"},
                             {o[1], BUF_I64, 0, "split_feature"},
                             {o[2], BUF_F64, 0, "split_value"},
                             {o[3], BUF_F64, 0, "leaf"},
                             {o[4], BUF_F64, 1, "out"}};
    Py_buffer v[5];
    if (buf_get_all(spec, v, 5) < 0) return NULL;
    PyObject *ret = NULL;
    const Py_ssize_t n = buf_len(&v[4]), T = buf_len(&v[3]) / 4;
    const Py_ssize_t F = n ? buf_len(&v[0]) / n : 0; /* Xt is F x n */
    const int64_t *sf = v[1].buf;
    if (buf_len(&v[3]) != 4 * T || buf_len(&v[1]) != 3 * T || buf_len(&v[2]) != 3 * T ||
        (n && buf_len(&v[0]) != n * F)) {
        PyErr_SetString(PyExc_ValueError, "tree_logit: inconsistent array lengths");
        goto done;
    }
    for (Py_ssize_t i = 0; i < 3 * T; i++)
        if (sf[i] < 0 || (n && sf[i] >= F)) {
            PyErr_SetString(PyExc_ValueError, "tree_logit: split feature out of range");
            goto done;
        }
    tree_rows(v[0].buf, n, sf, v[2].buf, v[3].buf, T, bias, v[4].buf);
    ret = Py_NewRef(Py_None);
done:
    buf_release_all(v, 5);
    return ret;
}

/* numpy's pairwise summation of a[0..n) (what np.add.reduce does for a contiguous float64
 * array: blocks of 128 summed in eight interleaved chains, halves above that), so that the
 * document features below are numpy's sums bit for bit */
static double np_pairwise(const double *a, Py_ssize_t n) {
    if (n < 8) {
        double res = 0.0;
        for (Py_ssize_t i = 0; i < n; i++) res += a[i];
        return res;
    }
    if (n <= 128) {
        double r[8];
        for (int k = 0; k < 8; k++) r[k] = a[k];
        Py_ssize_t i;
        for (i = 8; i < n - (n % 8); i += 8)
            for (int k = 0; k < 8; k++) r[k] += a[i + k];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i];
        return res;
    }
    Py_ssize_t n2 = n / 2;
    n2 -= n2 % 8;
    return np_pairwise(a, n2) + np_pairwise(a + n2, n - n2);
}

/* np.add.reduce of a contiguous float64 array of n items (numpy 2: the pairwise sum of all
 * of them; 0.0 for none) */
static double np_sum(const double *a, Py_ssize_t n) {
    return n <= 0 ? 0.0 : np_pairwise(a, n);
}

/* doc_sums(choice, confidence, z_best, lm_max, scratch) -> (changed, sum of their
 * confidences, how many >= 0.9, sum of sigmoid(z_best), positions with lm_max > 1, sum of
 * the five largest z_best clipped to [-10, 10] in ascending order, how many): what
 * urai.detect.features.doc_features computes, in one call (scratch: m float64; the sigmoid
 * is urai_sigmoid, libm's exp, which the Python reference uses too) */
static PyObject *py_doc_sums(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *o[5];
    if (!PyArg_ParseTuple(args, "OOOOO", &o[0], &o[1], &o[2], &o[3], &o[4])) return NULL;
    const buf_arg spec[5] = {{o[0], BUF_I64, 0, "choice"}, {o[1], BUF_F64, 0, "confidence"},
                             {o[2], BUF_F64, 0, "z_best"}, {o[3], BUF_F64, 0, "lm_max"},
                             {o[4], BUF_F64, 1, "scratch"}};
    Py_buffer v[5];
    if (buf_get_all(spec, v, 5) < 0) return NULL;
    const Py_ssize_t m = buf_len(&v[0]);
    PyObject *ret = NULL;
    if (buf_len(&v[1]) != m || buf_len(&v[2]) != m || buf_len(&v[4]) < m) {
        PyErr_SetString(PyExc_ValueError, "doc_sums: arrays of one entry per position needed");
        goto done;
    }
    {
        const int64_t *choice = v[0].buf;
        const double *conf = v[1].buf, *zb = v[2].buf, *lmax = v[3].buf;
        double *tmp = v[4].buf;
        Py_ssize_t nc = 0, n09 = 0, nlm = 0;
        for (Py_ssize_t j = 0; j < m; j++)
            if (choice[j] >= 0) {
                tmp[nc++] = conf[j];
                n09 += conf[j] >= 0.9;
            }
        const double sum_conf = np_sum(tmp, nc);
        for (Py_ssize_t j = 0; j < m; j++) {
            tmp[j] = urai_sigmoid(zb[j]);
        }
        const double sum_sig = np_sum(tmp, m);
        const Py_ssize_t nl = buf_len(&v[3]);
        for (Py_ssize_t j = 0; j < nl; j++) nlm += lmax[j] > 1.0;
        double top[5];
        int nt = 0; /* the largest clipped values, kept sorted ascending */
        for (Py_ssize_t j = 0; j < m; j++) {
            double x = zb[j];
            x = x < -10.0 ? -10.0 : (x > 10.0 ? 10.0 : x);
            if (nt < 5) {
                int k = nt++;
                while (k > 0 && top[k - 1] > x) {
                    top[k] = top[k - 1];
                    k--;
                }
                top[k] = x;
            } else if (x > top[0]) {
                int k = 0;
                while (k < 4 && top[k + 1] < x) {
                    top[k] = top[k + 1];
                    k++;
                }
                top[k] = x;
            }
        }
        double total = 0.0;
        for (int k = 0; k < nt; k++) total += top[k];
        ret = Py_BuildValue("ndndndi", nc, sum_conf, n09, sum_sig, nlm, total, nt);
    }
done:
    buf_release_all(v, 5);
    return ret;
}

PyMethodDef urai_doclevel_methods[] = {
    {"doc_groups", (PyCFunction)py_doc_groups, METH_VARARGS,
     "doc_groups(obs_ids, cand_pos, cand_ids, X, unk, inv, counts, known) -> groups: the "
     "candidate rows grouped by (observed LM id, candidate LM id), as "
     "urai.detect.doclevel.type_groups (groups numbered by first appearance)"},
    {"doc_sums", (PyCFunction)py_doc_sums, METH_VARARGS,
     "doc_sums(choice, confidence, z_best, lm_max, scratch): the sums and counts of "
     "urai.detect.features.doc_features (numpy's pairwise sums)"},
    {"id_counts", (PyCFunction)py_id_counts, METH_VARARGS,
     "id_counts(seq, of, out): out[i] = occurrences of of[i] among seq's ids >= 0"},
    {"type_term", (PyCFunction)py_type_term, METH_VARARGS,
     "type_term(inv, counts, z, center, cap, weight, term, others): the type term of "
     "urai.detect.doclevel.document_bias and each row's number of other occurrences"},
    {"tree_logit", (PyCFunction)py_tree_logit, METH_VARARGS,
     "tree_logit(Xt, split_feature, split_value, leaf, bias, out): the log-odds of boosted "
     "depth-2 trees for every row of X (given feature-major, Xt = X.T contiguous), as "
     "urai.detect.rescore.TreeModel.logit for two rows or more"},
    {NULL, NULL, 0, NULL},
};
