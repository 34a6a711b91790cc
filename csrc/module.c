/* urai._core module definition: the method table of the compiled kernels. */
#include "urai_core.h"

static PyObject *core_simd(PyObject *self, PyObject *args) {
    (void)self;
    (void)args;
    return PyUnicode_FromString(urai_lm_simd() ? "avx2" : "baseline");
}

static PyObject *core_set_simd(PyObject *self, PyObject *flag) {
    (void)self;
    int on = PyObject_IsTrue(flag);
    if (on < 0) return NULL;
    urai_lm_set_simd(on);
    return core_simd(NULL, NULL);
}

static PyObject *core_feature_columns(PyObject *self, PyObject *args) {
    (void)self;
    (void)args;
    PyObject *d = PyDict_New();
    if (!d) return NULL;
#define X(name, col)                                                                     \
    do {                                                                                  \
        PyObject *v_ = PyLong_FromLong(col);                                              \
        if (!v_ || PyDict_SetItemString(d, name, v_) < 0) {                               \
            Py_XDECREF(v_);                                                               \
            Py_DECREF(d);                                                                 \
            return NULL;                                                                  \
        }                                                                                 \
        Py_DECREF(v_);                                                                    \
    } while (0);
    URAI_FEATURE_COLUMNS
    X("n_columns", NF)
#undef X
    return d;
}

extern PyMethodDef urai_doclevel_methods[];    /* csrc/doclevel.c */
extern PyMethodDef urai_fingerprint_methods[]; /* csrc/fingerprint.c */
extern PyMethodDef urai_align_methods[];       /* csrc/align.c */

static PyMethodDef core_methods[] = {
    {"feature_columns", (PyCFunction)core_feature_columns, METH_NOARGS,
     "feature_columns() -> {name: column} of the evidence matrix as the kernels write it "
     "(plus 'n_columns'); urai.detect.evidence.TOKEN_FEATURES must agree name by name"},
    {"simd", (PyCFunction)core_simd, METH_NOARGS,
     "simd() -> 'avx2' or 'baseline': which build of the LM kernels runs (AVX2 where the CPU "
     "has it, unless URAI_NO_AVX2 is set)"},
    {"set_simd", (PyCFunction)core_set_simd, METH_O,
     "set_simd(on) -> simd(): run the AVX2 LM kernels (if the CPU has AVX2) or the baseline "
     "ones; both give the same numbers"},
    {"tokenize", (PyCFunction)urai_py_tokenize, METH_O,
     "tokenize(text) -> list of (start, end, kind) (kind: 0 word .. 5 space), as "
     "urai.tokenize.tokenize"},
    {"split_sentences", (PyCFunction)urai_py_split_sentences, METH_O,
     "split_sentences(text) -> list of (first, last + 1) token spans, as "
     "urai.lang.tokenize.split_sentences(urai.lang.tokenize.tokenize(text))"},
    {"decode", (PyCFunction)urai_py_decode, METH_VARARGS,
     "decode(lm, z, X, cand_ptr, cand_ids, pos_seq, seq, ctx, w_lm, threshold, margin, eos, "
     "choice, conf, z_best, best) -> lm_gain, as urai.detect.decode.decode"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT, "urai._core",
    "Compiled kernels of urai's check pipeline (the Python modules are the reference).",
    -1, core_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__core(void) {
    PyObject *m = PyModule_Create(&core_module);
    if (!m) return NULL;
    if (PyModule_AddFunctions(m, urai_doclevel_methods) < 0 ||
        PyModule_AddFunctions(m, urai_fingerprint_methods) < 0 ||
        PyModule_AddFunctions(m, urai_align_methods) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    PyTypeObject *types[] = {&urai_LMType, &urai_ClozeType, &urai_AnalyzerType,
                             &urai_FpTableType};
    const char *names[] = {"LM", "Cloze", "Analyzer", "FpTable"};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (PyType_Ready(types[i]) < 0 || PyModule_AddObjectRef(m, names[i],
                                                                 (PyObject *)types[i]) < 0) {
            Py_DECREF(m);
            return NULL;
        }
    }
    return m;
}
