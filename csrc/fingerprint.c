/* Trace fingerprints (urai.trace.fingerprint): one pass over a lower-cased text that splits it
 * into the fingerprinting tokens and maps each to its word slot through a hash table, and the
 * sampled shingle hashes of the slots' 64-bit word hashes. The Python/numpy code of
 * Fingerprinter is the reference; these compute the same arrays (tests compare them).
 *
 * Tokens are those of the regexes ``\w+(?:-\w+)*`` (words) and, with ``ends``,
 * ``[.!?]+(?=\s|$)|\n`` (sentence ends), found left to right as ``re.findall`` does; ``\w`` and
 * ``\s`` are Python's Unicode classes (Py_UNICODE_ISALNUM or '_'; Py_UNICODE_ISSPACE).
 */
#include "urai_core.h"
#include "buf.h"

#include <stdlib.h>
#include <string.h>

/* ---- the word table ------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    Py_ssize_t n, cap;      /* entries */
    uint64_t *hash;         /* entry -> hash of its code points */
    int64_t *val;           /* entry -> slot value */
    Py_ssize_t *off;        /* entry -> offset of its code points in pool */
    Py_ssize_t *len;        /* entry -> number of code points */
    int32_t *index;         /* open addressing: entry number or -1 */
    uint64_t mask;          /* size of index - 1 */
    Py_UCS4 *pool;
    Py_ssize_t pool_n, pool_cap;
} FpTable;

static inline uint64_t cp_step(uint64_t h, Py_UCS4 c) {
    return (h ^ (uint64_t)c) * 0x100000001b3ULL;
}

static inline uint64_t cp_final(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static void table_free_all(FpTable *t) {
    PyMem_Free(t->hash);
    PyMem_Free(t->val);
    PyMem_Free(t->off);
    PyMem_Free(t->len);
    PyMem_Free(t->index);
    PyMem_Free(t->pool);
    t->hash = NULL;
    t->val = NULL;
    t->off = NULL;
    t->len = NULL;
    t->index = NULL;
    t->pool = NULL;
    t->n = t->cap = t->pool_n = t->pool_cap = 0;
    t->mask = 0;
}

static int table_reset(FpTable *t) {
    table_free_all(t);
    t->cap = 1024;
    t->hash = PyMem_Malloc(t->cap * sizeof(uint64_t));
    t->val = PyMem_Malloc(t->cap * sizeof(int64_t));
    t->off = PyMem_Malloc(t->cap * sizeof(Py_ssize_t));
    t->len = PyMem_Malloc(t->cap * sizeof(Py_ssize_t));
    t->index = PyMem_Malloc(2048 * sizeof(int32_t));
    t->pool_cap = 8192;
    t->pool = PyMem_Malloc(t->pool_cap * sizeof(Py_UCS4));
    if (!t->hash || !t->val || !t->off || !t->len || !t->index || !t->pool) {
        table_free_all(t);
        PyErr_NoMemory();
        return -1;
    }
    memset(t->index, 0xff, 2048 * sizeof(int32_t));
    t->mask = 2047;
    return 0;
}

/* the entry of the code points key[0..n) with hash h, or -1; *where: its index position */
static inline Py_ssize_t table_find(const FpTable *t, uint64_t h, const Py_UCS4 *key,
                                    Py_ssize_t n, uint64_t *where) {
    uint64_t s = h & t->mask;
    for (;;) {
        int32_t e = t->index[s];
        if (e < 0) {
            *where = s;
            return -1;
        }
        if (t->hash[e] == h && t->len[e] == n &&
            memcmp(t->pool + t->off[e], key, (size_t)n * sizeof(Py_UCS4)) == 0) {
            *where = s;
            return e;
        }
        s = (s + 1) & t->mask;
    }
}

static int table_grow_index(FpTable *t) {
    uint64_t size = (t->mask + 1) * 2;
    int32_t *idx = PyMem_Malloc(size * sizeof(int32_t));
    if (!idx) {
        PyErr_NoMemory();
        return -1;
    }
    memset(idx, 0xff, size * sizeof(int32_t));
    for (Py_ssize_t e = 0; e < t->n; e++) {
        uint64_t s = t->hash[e] & (size - 1);
        while (idx[s] >= 0) s = (s + 1) & (size - 1);
        idx[s] = (int32_t)e;
    }
    PyMem_Free(t->index);
    t->index = idx;
    t->mask = size - 1;
    return 0;
}

static int grow(void **p, Py_ssize_t *cap, Py_ssize_t need, size_t item) {
    if (need <= *cap) return 0;
    Py_ssize_t c = *cap;
    while (c < need) c *= 2;
    void *q = PyMem_Realloc(*p, (size_t)c * item);
    if (!q) {
        PyErr_NoMemory();
        return -1;
    }
    *p = q;
    *cap = c;
    return 0;
}

static int table_set(FpTable *t, const Py_UCS4 *key, Py_ssize_t n, int64_t value) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (Py_ssize_t i = 0; i < n; i++) h = cp_step(h, key[i]);
    h = cp_final(h);
    uint64_t where;
    Py_ssize_t e = table_find(t, h, key, n, &where);
    if (e >= 0) {
        t->val[e] = value;
        return 0;
    }
    if (t->n >= INT32_MAX - 1) {
        PyErr_SetString(PyExc_OverflowError, "FpTable is full");
        return -1;
    }
    if (t->n + 1 > t->cap) {
        Py_ssize_t c = t->cap, c2 = t->cap, c3 = t->cap, c4 = t->cap;
        if (grow((void **)&t->hash, &c, t->n + 1, sizeof(uint64_t)) < 0 ||
            grow((void **)&t->val, &c2, t->n + 1, sizeof(int64_t)) < 0 ||
            grow((void **)&t->off, &c3, t->n + 1, sizeof(Py_ssize_t)) < 0 ||
            grow((void **)&t->len, &c4, t->n + 1, sizeof(Py_ssize_t)) < 0)
            return -1;
        t->cap = c;
    }
    if (grow((void **)&t->pool, &t->pool_cap, t->pool_n + n, sizeof(Py_UCS4)) < 0) return -1;
    memcpy(t->pool + t->pool_n, key, (size_t)n * sizeof(Py_UCS4));
    e = t->n++;
    t->hash[e] = h;
    t->val[e] = value;
    t->off[e] = t->pool_n;
    t->len[e] = n;
    t->pool_n += n;
    t->index[where] = (int32_t)e;
    if ((uint64_t)t->n * 2 > t->mask + 1) return table_grow_index(t);
    return 0;
}

static int FpTable_init(FpTable *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kw, "", kwlist)) return -1;
    return table_reset(self);
}

static void FpTable_dealloc(FpTable *self) {
    table_free_all(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *FpTable_set(FpTable *self, PyObject *args) {
    PyObject *word;
    long long value;
    if (!PyArg_ParseTuple(args, "UL", &word, &value)) return NULL;
    Py_UCS4 *key = PyUnicode_AsUCS4Copy(word);
    if (!key) return NULL;
    int rc = table_set(self, key, PyUnicode_GET_LENGTH(word), (int64_t)value);
    PyMem_Free(key);
    if (rc < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *FpTable_get(FpTable *self, PyObject *word) {
    if (!PyUnicode_Check(word)) {
        PyErr_SetString(PyExc_TypeError, "FpTable.get expects a str");
        return NULL;
    }
    Py_UCS4 *key = PyUnicode_AsUCS4Copy(word);
    if (!key) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(word);
    uint64_t h = 0xcbf29ce484222325ULL, where;
    for (Py_ssize_t i = 0; i < n; i++) h = cp_step(h, key[i]);
    Py_ssize_t e = table_find(self, cp_final(h), key, n, &where);
    PyMem_Free(key);
    if (e < 0) Py_RETURN_NONE;
    return PyLong_FromLongLong(self->val[e]);
}

static PyObject *FpTable_clear(FpTable *self, PyObject *noargs) {
    (void)noargs;
    if (table_reset(self) < 0) return NULL;
    Py_RETURN_NONE;
}

static Py_ssize_t FpTable_len(FpTable *self) { return self->n; }

static PyMethodDef FpTable_methods[] = {
    {"set", (PyCFunction)FpTable_set, METH_VARARGS,
     "set(word, value): map the str ``word`` to the int ``value`` (replacing an old one)"},
    {"get", (PyCFunction)FpTable_get, METH_O, "get(word) -> its value, or None"},
    {"clear", (PyCFunction)FpTable_clear, METH_NOARGS, "clear(): forget every word"},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods FpTable_seq = {.sq_length = (lenfunc)FpTable_len};

PyTypeObject urai_FpTableType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "urai._core.FpTable",
    .tp_basicsize = sizeof(FpTable),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "FpTable(): str -> int table of the fingerprinting words (fp_slots reads it)",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)FpTable_init,
    .tp_dealloc = (destructor)FpTable_dealloc,
    .tp_methods = FpTable_methods,
    .tp_as_sequence = &FpTable_seq,
};

/* ---- tokens -> slots ----------------------------------------------------------------- */

static inline int is_word(Py_UCS4 c) {
    if (c < 128)
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
               c == '_';
    return Py_UNICODE_ISALNUM(c);
}

static inline int is_end(Py_UCS4 c) { return c == '.' || c == '!' || c == '?'; }

/* fp_slots(text, table, ends, end_value) -> (slots bytearray of int64, words, unknown).
 * ``text`` is lower-cased by the caller. Each token's slot is its table value; a sentence end
 * (with ``ends``) gets ``end_value``; a word not in the table gets -1 and (token number,
 * word) is appended to ``unknown``. ``words`` counts the word tokens. */
static PyObject *py_fp_slots(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *text, *tobj;
    int ends;
    long long end_value;
    if (!PyArg_ParseTuple(args, "UO!pL", &text, &urai_FpTableType, &tobj, &ends, &end_value))
        return NULL;
    FpTable *t = (FpTable *)tobj;
    const Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    int64_t *slots = PyMem_Malloc((size_t)(n + 1) * sizeof(int64_t));
    PyObject *unknown = PyList_New(0);
    Py_UCS4 *key = PyMem_Malloc((size_t)(n + 1) * sizeof(Py_UCS4));
    if (!slots || !unknown || !key) {
        PyMem_Free(slots);
        Py_XDECREF(unknown);
        PyMem_Free(key);
        return PyErr_NoMemory();
    }
    Py_ssize_t nt = 0, words = 0, i = 0;
    while (i < n) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (is_word(c)) {
            Py_ssize_t s = i, kl = 0;
            uint64_t h = 0xcbf29ce484222325ULL;
            for (;;) {
                while (i < n && is_word(c = PyUnicode_READ(kind, data, i))) {
                    key[kl++] = c;
                    h = cp_step(h, c);
                    i++;
                }
                if (i + 1 < n && c == '-' && is_word(PyUnicode_READ(kind, data, i + 1))) {
                    key[kl++] = '-';
                    h = cp_step(h, '-');
                    i++;
                    continue;
                }
                break;
            }
            uint64_t where;
            Py_ssize_t e = table_find(t, cp_final(h), key, kl, &where);
            if (e >= 0) {
                slots[nt] = t->val[e];
            } else {
                slots[nt] = -1;
                PyObject *w = PyUnicode_Substring(text, s, i);
                PyObject *pair = w ? Py_BuildValue("(nN)", nt, w) : NULL;
                if (!pair || PyList_Append(unknown, pair) < 0) {
                    Py_XDECREF(pair);
                    goto fail;
                }
                Py_DECREF(pair);
            }
            nt++;
            words++;
        } else if (is_end(c)) {
            while (i < n && is_end(PyUnicode_READ(kind, data, i))) i++;
            if (ends && (i == n || Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i))))
                slots[nt++] = end_value;
        } else {
            if (c == '\n' && ends) slots[nt++] = end_value;
            i++;
        }
    }
    PyMem_Free(key);
    PyObject *out = PyByteArray_FromStringAndSize((const char *)slots,
                                                  nt * (Py_ssize_t)sizeof(int64_t));
    PyMem_Free(slots);
    if (!out) {
        Py_DECREF(unknown);
        return NULL;
    }
    return Py_BuildValue("(NnN)", out, words, unknown);
fail:
    PyMem_Free(key);
    PyMem_Free(slots);
    Py_DECREF(unknown);
    return NULL;
}

/* ---- shingles ------------------------------------------------------------------------ */

static const uint64_t POS[8] = {0x9E3779B97F4A7C15ULL, 0xC2B2AE3D27D4EB4FULL,
                                0x165667B19E3779F9ULL, 0xD6E8FEB86659FD93ULL,
                                0xA0761D6478BD642FULL, 0xE7037ED1A0B428DBULL,
                                0x8EBC6AF09C88C6E3ULL, 0x589965CC75374CC3ULL};

static inline uint64_t mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* fp_shingles(slots, hashes, by_slot, k, mod, query) -> bytearray of sorted distinct int64.
 * The word sequence is hashes[s] for each slot s of ``slots`` that is not 0 (``by_slot``) or
 * whose hash is not 0; its shingles as Fingerprinter.shingle_hashes, plus with ``query`` the
 * gapped ones of Fingerprinter._from_ids. */
static PyObject *py_fp_shingles(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *so, *ho;
    int by_slot, k, mod, query;
    if (!PyArg_ParseTuple(args, "OOpiip", &so, &ho, &by_slot, &k, &mod, &query)) return NULL;
    if (k < 1 || k > 8 || mod < 1) {
        PyErr_SetString(PyExc_ValueError, "fp_shingles: k must be 1..8 and mod >= 1");
        return NULL;
    }
    const buf_arg spec[2] = {{so, BUF_I64, 0, "slots"}, {ho, BUF_U64, 0, "hashes"}};
    Py_buffer v[2];
    if (buf_get_all(spec, v, 2) < 0) return NULL;
    const int64_t *slots = v[0].buf;
    const uint64_t *hashes = v[1].buf;
    const Py_ssize_t ns = buf_len(&v[0]), nh = buf_len(&v[1]);
    PyObject *ret = NULL;
    uint64_t *seq = PyMem_Malloc((size_t)(ns + 1) * sizeof(uint64_t));
    int64_t *out = PyMem_Malloc((size_t)(ns + 1) * (size_t)k * sizeof(int64_t));
    if (!seq || !out) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t n = 0;
    for (Py_ssize_t i = 0; i < ns; i++) {
        int64_t s = slots[i];
        if (s < 0 || s >= nh) {
            PyErr_Format(PyExc_IndexError, "fp_shingles: slot %lld out of range",
                         (long long)s);
            goto done;
        }
        uint64_t h = hashes[s];
        if (by_slot ? s != 0 : h != 0) seq[n++] = h;
    }
    Py_ssize_t no = 0;
    if (n > 0) {
        int kk = n < k ? (int)n : k;
        for (Py_ssize_t j = 0; j + kk <= n; j++) {
            uint64_t h = 0;
            for (int p = 0; p < kk; p++) h += seq[j + p] * POS[p];
            h = mix64(h);
            if (h % (uint64_t)mod == 0) out[no++] = (int64_t)h;
        }
        if (query && k >= 2 && n >= k + 1) {
            for (int skip = 1; skip < k; skip++) {
                for (Py_ssize_t j = 0; j + k < n; j++) {
                    uint64_t h = 0;
                    int pos = 0;
                    for (int c = 0; c <= k; c++) {
                        if (c == skip) continue;
                        h += seq[j + c] * POS[pos++];
                    }
                    h = mix64(h);
                    if (h % (uint64_t)mod == 0) out[no++] = (int64_t)h;
                }
            }
        }
    }
    qsort(out, (size_t)no, sizeof(int64_t), cmp_i64);
    Py_ssize_t m = 0;
    for (Py_ssize_t i = 0; i < no; i++)
        if (m == 0 || out[i] != out[m - 1]) out[m++] = out[i];
    ret = PyByteArray_FromStringAndSize((const char *)out, m * (Py_ssize_t)sizeof(int64_t));
done:
    PyMem_Free(seq);
    PyMem_Free(out);
    buf_release_all(v, 2);
    return ret;
}

/* fp_bags(slots, vals, k) -> bytearray of int64: the index-side sentence-bag hashes of one
 * text, sentence by sentence, as Fingerprinter.index_many. Slot 1 ends a sentence (so does the
 * text's end); a slot > 1 with vals[slot] != 0 is a content key. A sentence whose k lowest
 * distinct keys exist (the k-th is not all ones, numpy's "none") gets mix(m0 * P0 + m1 * P1 +
 * salt) of its two lowest. */
static PyObject *py_fp_bags(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *so, *vo;
    int k;
    unsigned long long salt;
    if (!PyArg_ParseTuple(args, "OOiK", &so, &vo, &k, &salt)) return NULL;
    if (k < 2 || k > 8) {
        PyErr_SetString(PyExc_ValueError, "fp_bags: k must be 2..8");
        return NULL;
    }
    const buf_arg spec[2] = {{so, BUF_I64, 0, "slots"}, {vo, BUF_U64, 0, "vals"}};
    Py_buffer v[2];
    if (buf_get_all(spec, v, 2) < 0) return NULL;
    const int64_t *slots = v[0].buf;
    const uint64_t *vals = v[1].buf;
    const Py_ssize_t ns = buf_len(&v[0]), nv = buf_len(&v[1]);
    const uint64_t NONE = ~(uint64_t)0;
    PyObject *ret = NULL;
    int64_t *out = PyMem_Malloc((size_t)(ns / 2 + 1) * sizeof(int64_t));
    if (!out) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t no = 0;
    uint64_t low[8];
    int nlow = 0, any = 0;
    for (Py_ssize_t i = 0; i <= ns; i++) {
        int64_t sl = i < ns ? slots[i] : 1;
        if (sl < 0 || sl >= nv) {
            PyErr_Format(PyExc_IndexError, "fp_bags: slot %lld out of range", (long long)sl);
            goto done;
        }
        if (sl == 1) {
            /* numpy's successive minima: missing ranks are NONE */
            if (any && nlow >= k && low[k - 1] != NONE) {
                uint64_t h = low[0] * POS[0] + low[1] * POS[1] + (uint64_t)salt;
                out[no++] = (int64_t)mix64(h);
            }
            nlow = 0;
            any = 0;
            continue;
        }
        if (sl <= 1) continue;
        uint64_t x = vals[sl];
        if (x == 0) continue;
        any = 1;
        /* keep the k lowest distinct values, sorted */
        int j = 0;
        while (j < nlow && low[j] < x) j++;
        if (j < nlow && low[j] == x) continue;
        if (j >= k) continue;
        int top = nlow < k ? nlow : k - 1;
        for (int q = top; q > j; q--) low[q] = low[q - 1];
        low[j] = x;
        if (nlow < k) nlow++;
    }
    ret = PyByteArray_FromStringAndSize((const char *)out, no * (Py_ssize_t)sizeof(int64_t));
done:
    PyMem_Free(out);
    buf_release_all(v, 2);
    return ret;
}

PyMethodDef urai_fingerprint_methods[] = {
    {"fp_bags", (PyCFunction)py_fp_bags, METH_VARARGS,
     "fp_bags(slots, vals, k, salt) -> int64 bytearray: the index-side sentence-bag hashes of "
     "one text (Fingerprinter.index_many), sentence by sentence"},
    {"fp_slots", (PyCFunction)py_fp_slots, METH_VARARGS,
     "fp_slots(text, table, ends, end_value) -> (int64 slots as a bytearray, words, [(token, word)] "
     "not in table): the tokens of the lower-cased text mapped through an FpTable, as "
     "urai.trace.fingerprint.Fingerprinter does"},
    {"fp_shingles", (PyCFunction)py_fp_shingles, METH_VARARGS,
     "fp_shingles(slots, hashes, by_slot, k, mod, query) -> sorted distinct int64 as a bytearray: "
     "the sampled shingle hashes of Fingerprinter._from_ids"},
    {NULL, NULL, 0, NULL},
};
