/* placeholder: the tokenizer port (see urai_core.h) */
#include "urai_core.h"

void urai_tokens_init(urai_tokens *t) { memset(t, 0, sizeof(*t)); }
void urai_tokens_free(urai_tokens *t) {
    PyMem_Free(t->start); PyMem_Free(t->end); PyMem_Free(t->kind);
    memset(t, 0, sizeof(*t));
}
int urai_tokenize(PyObject *text, urai_tokens *out) { (void)text; (void)out;
    PyErr_SetString(PyExc_NotImplementedError, "tokenize"); return -1; }
Py_ssize_t urai_split_sentences(PyObject *text, const urai_tokens *t, Py_ssize_t **spans) {
    (void)text; (void)t; (void)spans;
    PyErr_SetString(PyExc_NotImplementedError, "split_sentences"); return -1; }
PyObject *urai_py_tokenize(PyObject *self, PyObject *text) { (void)self; (void)text;
    PyErr_SetString(PyExc_NotImplementedError, "tokenize"); return NULL; }
PyObject *urai_py_split_sentences(PyObject *self, PyObject *text) { (void)self; (void)text;
    PyErr_SetString(PyExc_NotImplementedError, "split_sentences"); return NULL; }
