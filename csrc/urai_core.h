/* urai._core: compiled kernels of urai's check pipeline (shared declarations).
 *
 * The Python modules (urai.tokenize, urai.detect, urai.lattice, ...) are the reference
 * implementation; every kernel here computes the same thing and the tests compare them.
 */
#ifndef URAI_CORE_H
#define URAI_CORE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

/* ---- tokens (csrc/tokenize.c) ------------------------------------------------------- */

/* token kinds, in the order of urai.tokenize's kind names */
enum { TK_WORD = 0, TK_NUM = 1, TK_ABBR = 2, TK_PUNCT = 3, TK_OTHER = 4, TK_SPACE = 5 };

/* The tokens of one text: what urai.tokenize.tokenize returns, as parallel arrays of code
 * point offsets (token i is text[start[i]:end[i]]; its trailing whitespace ``ws`` is
 * text[end[i]:start[i + 1]], or text[end[i]:] for the last token). */
typedef struct {
    Py_ssize_t n, cap;
    Py_ssize_t *start;
    Py_ssize_t *end;
    unsigned char *kind;
} urai_tokens;

void urai_tokens_init(urai_tokens *t);
void urai_tokens_free(urai_tokens *t);

/* Tokenise ``text`` (a str) exactly as urai.tokenize.tokenize. Returns 0, or -1 with a
 * Python exception set (MemoryError). */
int urai_tokenize(PyObject *text, urai_tokens *out);

/* Sentence spans as urai.tokenize.split_sentences: (first, last + 1) token index pairs
 * written to ``spans`` (2 entries per sentence, allocated by the callee with PyMem_Malloc,
 * freed by the caller with PyMem_Free); returns the number of sentences or -1 (exception
 * set). */
Py_ssize_t urai_split_sentences(PyObject *text, const urai_tokens *t, Py_ssize_t **spans);

/* Python-facing wrappers (for tests and the Python layer) */
PyObject *urai_py_tokenize(PyObject *self, PyObject *text);
PyObject *urai_py_split_sentences(PyObject *self, PyObject *text);

#endif
