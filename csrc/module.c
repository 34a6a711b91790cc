/* urai._core module definition: the method table of the compiled kernels. */
#include "urai_core.h"

static PyMethodDef core_methods[] = {
    {"tokenize", (PyCFunction)urai_py_tokenize, METH_O,
     "tokenize(text) -> list of (start, end, kind) (kind: 0 word .. 5 space), as "
     "urai.tokenize.tokenize"},
    {"split_sentences", (PyCFunction)urai_py_split_sentences, METH_O,
     "split_sentences(text) -> list of (first, last + 1) token spans, as "
     "urai.tokenize.split_sentences(urai.tokenize.tokenize(text))"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT, "urai._core",
    "Compiled kernels of urai's check pipeline (the Python modules are the reference).",
    -1, core_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&core_module); }
