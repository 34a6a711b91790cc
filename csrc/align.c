/* urai._core.align_blocks: the seed-and-extend block alignment of urai.trace.align._blocks
 * over interned keys (int32 ids), giving exactly the reference's blocks.
 *
 * The reference builds a dict from every a-gram of the source to its positions (in order);
 * here an open-addressing table maps an a-gram (compared id by id, so hash collisions cannot
 * change the result) to the chain of its positions, first to last. */
#include "urai_core.h"
#include "buf.h"

#include <stdint.h>
#include <string.h>

typedef struct {
    Py_ssize_t qi, si, qn, sn;
    Py_ssize_t p0, np; /* its pairs: pairs[p0 .. p0 + np) */
} blk_t;

typedef struct {
    Py_ssize_t q0, q1, s0, s1;
    int swap;
} pair_t;

typedef struct {
    pair_t *v;
    Py_ssize_t n, cap;
} pairs_t;

static int pairs_push(pairs_t *p, Py_ssize_t q0, Py_ssize_t q1, Py_ssize_t s0, Py_ssize_t s1,
                      int swap) {
    if (p->n == p->cap) {
        Py_ssize_t cap = p->cap ? 2 * p->cap : 64;
        pair_t *v = PyMem_Realloc(p->v, (size_t)cap * sizeof(pair_t));
        if (!v) return -1;
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = (pair_t){q0, q1, s0, s1, swap};
    return 0;
}

static uint64_t gram_hash(const int32_t *k, int a) {
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (int t = 0; t < a; t++) {
        h ^= (uint32_t)k[t];
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return h;
}

/* _extend: from query word i and source word j, copy runs joined by the smallest swaps.
 * Appends its pairs to *pp (the caller drops them when the block is not kept). */
static int extend(const int32_t *qk, Py_ssize_t nq, const int32_t *sk, Py_ssize_t ns,
                  Py_ssize_t i, Py_ssize_t j, int max_swap, pairs_t *pp, blk_t *out) {
    Py_ssize_t qi = i, si = j, p0 = pp->n;
    for (;;) {
        Py_ssize_t q0 = qi, s0 = si;
        while (qi < nq && si < ns && qk[qi] == sk[si]) {
            qi++;
            si++;
        }
        if (qi > q0 && pairs_push(pp, q0, qi, s0, si, 0) < 0) return -1;
        if (qi >= nq || si >= ns) break;
        int bq = 0, bs = 0;
        for (int total = 2; total <= 2 * max_swap && !bq; total++) {
            int top = max_swap < total - 1 ? max_swap : total - 1;
            for (int dq = 1; dq <= top; dq++) {
                int ds = total - dq;
                if (ds > max_swap) continue;
                Py_ssize_t a = qi + dq, b = si + ds;
                if (a >= nq || b >= ns || qk[a] != sk[b]) continue;
                if (dq == ds || (a + 1 < nq && b + 1 < ns && qk[a + 1] == sk[b + 1])) {
                    bq = dq;
                    bs = ds;
                    break;
                }
            }
        }
        if (!bq) break;
        if (pairs_push(pp, qi, qi + bq, si, si + bs, 1) < 0) return -1;
        qi += bq;
        si += bs;
    }
    *out = (blk_t){i, j, qi - i, si - j, p0, pp->n - p0};
    return 0;
}

/* keep only block b's pairs at the end of *pp (those of the candidates tried before it are
 * dropped): b's pairs move down to start at `base` */
static void keep_pairs(pairs_t *pp, Py_ssize_t base, blk_t *b) {
    if (b->p0 != base) memmove(pp->v + base, pp->v + b->p0, (size_t)b->np * sizeof(pair_t));
    b->p0 = base;
    pp->n = base + b->np;
}

static PyObject *py_align_blocks(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *qo, *so;
    int anchor, max_swap, min_block;
    if (!PyArg_ParseTuple(args, "OOiii", &qo, &so, &anchor, &max_swap, &min_block)) return NULL;
    if (anchor < 1 || max_swap < 0 || min_block < 1) {
        PyErr_SetString(PyExc_ValueError, "align_blocks: anchor, min_block >= 1, max_swap >= 0");
        return NULL;
    }
    const buf_arg spec[2] = {{qo, BUF_I32, 0, "query keys"}, {so, BUF_I32, 0, "source keys"}};
    Py_buffer v[2];
    if (buf_get_all(spec, v, 2) < 0) return NULL;
    const int32_t *qk = v[0].buf, *sk = v[1].buf;
    const Py_ssize_t nq = buf_len(&v[0]), ns = buf_len(&v[1]);
    PyObject *ret = NULL;
    Py_ssize_t *head = NULL, *tail = NULL, *next = NULL;
    unsigned char *used = NULL;
    blk_t *blocks = NULL;
    pairs_t pp = {NULL, 0, 0};
    Py_ssize_t nb = 0;
    int a = anchor;
    if (a > nq) a = (int)nq;
    if (a > ns) a = (int)ns;
    if (a == 0) {
        ret = PyList_New(0);
        goto done;
    }
    const Py_ssize_t ng = ns - a + 1;
    Py_ssize_t cap = 16;
    while (cap < 2 * ng) cap <<= 1;
    /* table slot -> first position of its a-gram (-1 empty); next[j] the following one */
    head = PyMem_Malloc((size_t)cap * sizeof(Py_ssize_t));
    tail = PyMem_Malloc((size_t)cap * sizeof(Py_ssize_t));
    next = PyMem_Malloc((size_t)ng * sizeof(Py_ssize_t));
    used = PyMem_Calloc((size_t)ns + 1, 1);
    blocks = PyMem_Malloc((size_t)(nq / min_block + 1) * sizeof(blk_t));
    if (!head || !tail || !next || !used || !blocks) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t h = 0; h < cap; h++) head[h] = -1;
    const size_t mask = (size_t)cap - 1;
    Py_ssize_t skip = 0; /* positions j whose a-gram holds a -1 (a key the query lacks) */
    for (Py_ssize_t j = 0; j < ng; j++) {
        next[j] = -1;
        if (j >= skip)
            for (int t = a - 1; t >= 0; t--)
                if (sk[j + t] < 0) {
                    skip = j + t + 1;
                    break;
                }
        if (j < skip) continue; /* no query a-gram can equal it */
        size_t h = (size_t)gram_hash(sk + j, a) & mask;
        while (head[h] >= 0 && memcmp(sk + head[h], sk + j, (size_t)a * sizeof(int32_t)) != 0)
            h = (h + 1) & mask;
        if (head[h] < 0) head[h] = j;
        else next[tail[h]] = j;
        tail[h] = j;
    }
    Py_ssize_t expect = -1, i = 0;
    while (i <= nq - a) {
        size_t h = (size_t)gram_hash(qk + i, a) & mask;
        while (head[h] >= 0 && memcmp(sk + head[h], qk + i, (size_t)a * sizeof(int32_t)) != 0)
            h = (h + 1) & mask;
        const Py_ssize_t first = head[h];
        if (first < 0) {
            i++;
            continue;
        }
        const Py_ssize_t base = pp.n;
        blk_t block = {0, 0, 0, 0, 0, 0}, b;
        int have = 0;
        /* expect is a candidate when it starts the same a-gram */
        if (expect >= 0 && expect < ng &&
            memcmp(sk + expect, qk + i, (size_t)a * sizeof(int32_t)) == 0) {
            if (extend(qk, nq, sk, ns, i, expect, max_swap, &pp, &block) < 0) goto nomem;
            have = 1;
        }
        if (!have || block.qn < min_block) {
            int tried = 0;
            for (Py_ssize_t c = first; c >= 0 && tried < 8; c = next[c]) {
                if (used[c]) continue;
                tried++;
                if (extend(qk, nq, sk, ns, i, c, max_swap, &pp, &b) < 0) goto nomem;
                if (!have || b.qn > block.qn) {
                    block = b;
                    have = 1;
                }
            }
            if (!tried) { /* every candidate used: the first one */
                if (extend(qk, nq, sk, ns, i, first, max_swap, &pp, &b) < 0) goto nomem;
                if (!have || b.qn > block.qn) block = b;
            }
        }
        if (block.qn < min_block) {
            pp.n = base;
            i++;
            continue;
        }
        keep_pairs(&pp, base, &block);
        for (Py_ssize_t s = block.si; s < block.si + block.sn; s++) used[s] = 1;
        blocks[nb++] = block;
        i = block.qi + block.qn;
        expect = block.si + block.sn;
    }
    ret = PyList_New(nb);
    if (!ret) goto done;
    for (Py_ssize_t k = 0; k < nb; k++) {
        const blk_t *bk = &blocks[k];
        PyObject *pl = PyList_New(bk->np);
        if (!pl) goto fail;
        for (Py_ssize_t t = 0; t < bk->np; t++) {
            const pair_t *p = &pp.v[bk->p0 + t];
            PyObject *tup = Py_BuildValue("(nnnni)", p->q0, p->q1, p->s0, p->s1, p->swap);
            if (!tup) {
                Py_DECREF(pl);
                goto fail;
            }
            PyList_SET_ITEM(pl, t, tup);
        }
        PyObject *bt = Py_BuildValue("(nnnnN)", bk->qi, bk->si, bk->qn, bk->sn, pl);
        if (!bt) goto fail;
        PyList_SET_ITEM(ret, k, bt);
    }
    goto done;
nomem:
    PyErr_NoMemory();
    goto done;
fail:
    Py_CLEAR(ret);
done:
    PyMem_Free(head);
    PyMem_Free(tail);
    PyMem_Free(next);
    PyMem_Free(used);
    PyMem_Free(blocks);
    PyMem_Free(pp.v);
    buf_release_all(v, 2);
    return ret;
}

/* key_ids(keys, ids, add) -> int32 bytearray: each key's id in the dict ids; a missing key
 * gets the next id len(ids) (added to ids) when add is true, else -1. As the Python
 * [ids.setdefault(k, len(ids)) for k in keys] / [ids.get(k, -1) for k in keys]. */
static PyObject *py_key_ids(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *keys, *ids;
    int add;
    if (!PyArg_ParseTuple(args, "O!O!p", &PyList_Type, &keys, &PyDict_Type, &ids, &add))
        return NULL;
    const Py_ssize_t n = PyList_GET_SIZE(keys);
    PyObject *out = PyByteArray_FromStringAndSize(NULL, n * (Py_ssize_t)sizeof(int32_t));
    if (!out) return NULL;
    int32_t *v = (int32_t *)PyByteArray_AS_STRING(out);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *k = PyList_GET_ITEM(keys, i);
        PyObject *id = PyDict_GetItemWithError(ids, k);
        if (id) {
            long x = PyLong_AsLong(id);
            if (x == -1 && PyErr_Occurred()) goto fail;
            v[i] = (int32_t)x;
            continue;
        }
        if (PyErr_Occurred()) goto fail;
        if (!add) {
            v[i] = -1;
            continue;
        }
        Py_ssize_t next = PyDict_GET_SIZE(ids);
        if (next >= INT32_MAX) {
            PyErr_SetString(PyExc_OverflowError, "key_ids: too many distinct keys");
            goto fail;
        }
        PyObject *nid = PyLong_FromSsize_t(next);
        if (!nid) goto fail;
        int rc = PyDict_SetItem(ids, k, nid);
        Py_DECREF(nid);
        if (rc < 0) goto fail;
        v[i] = (int32_t)next;
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

PyMethodDef urai_align_methods[] = {
    {"key_ids", (PyCFunction)py_key_ids, METH_VARARGS,
     "key_ids(keys, ids, add) -> int32 bytearray: the keys' ids in the dict ids (new keys get "
     "len(ids) when add, else -1)"},
    {"align_blocks", (PyCFunction)py_align_blocks, METH_VARARGS,
     "align_blocks(qids, sids, anchor, max_swap, min_block) -> [(qi, si, qn, sn, [(q0, q1, s0, "
     "s1, is_swap)])]: urai.trace.align._blocks over int32 key ids"},
    {NULL, NULL, 0, NULL},
};
