/* Buffer-protocol helpers: numpy arrays in and out without the numpy C API. */
#ifndef URAI_BUF_H
#define URAI_BUF_H

#include "urai_core.h"

/* element types a kernel accepts */
enum { BUF_I64, BUF_U64, BUF_F64, BUF_F32, BUF_I32, BUF_U8, BUF_U16 };

static inline int buf_type_ok(const Py_buffer *v, int type) {
    const char *f = v->format ? v->format : "B";
    if (*f == '<' || *f == '=' || *f == '@') f++;
    switch (type) {
    case BUF_I64: return v->itemsize == 8 && (*f == 'l' || *f == 'q');
    case BUF_U64: return v->itemsize == 8 && (*f == 'L' || *f == 'Q');
    case BUF_F64: return v->itemsize == 8 && *f == 'd';
    case BUF_F32: return v->itemsize == 4 && *f == 'f';
    case BUF_I32: return v->itemsize == 4 && (*f == 'i' || *f == 'l');
    case BUF_U8: return v->itemsize == 1 && (*f == 'B' || *f == '?' || *f == 'b');
    case BUF_U16: return v->itemsize == 2 && (*f == 'H' || *f == 'e');
    }
    return 0;
}

static inline const char *buf_type_name(int type) {
    static const char *names[] = {"int64", "uint64", "float64", "float32", "int32", "uint8",
                                  "float16/uint16"};
    return names[type];
}

/* Get a C-contiguous buffer of ``type`` from ``obj`` (a numpy array); ``writable`` asks for
 * a writable one. Returns 0, or -1 with a TypeError/ValueError naming ``what``. */
static inline int buf_get(PyObject *obj, Py_buffer *v, int type, int writable,
                          const char *what) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, v, flags) < 0) {
        PyErr_Format(PyExc_TypeError, "%s: expected a C-contiguous %s%s array", what,
                     writable ? "writable " : "", buf_type_name(type));
        return -1;
    }
    if (!buf_type_ok(v, type)) {
        PyErr_Format(PyExc_TypeError, "%s: expected dtype %s, got format '%s'", what,
                     buf_type_name(type), v->format ? v->format : "B");
        PyBuffer_Release(v);
        return -1;
    }
    return 0;
}

static inline Py_ssize_t buf_len(const Py_buffer *v) { return v->len / v->itemsize; }

/* One argument array of a kernel: the object, its element type, writable, its name. */
typedef struct {
    PyObject *obj;
    int type, writable;
    const char *name;
} buf_arg;

static inline void buf_release_all(Py_buffer *v, int got) {
    for (int i = 0; i < got; i++) PyBuffer_Release(&v[i]);
}

/* Acquire the n buffers of ``args`` into ``v``; 0, or -1 (none left held, error set). */
static inline int buf_get_all(const buf_arg *args, Py_buffer *v, int n) {
    for (int i = 0; i < n; i++) {
        if (buf_get(args[i].obj, &v[i], args[i].type, args[i].writable, args[i].name) < 0) {
            buf_release_all(v, i);
            return -1;
        }
    }
    return 0;
}

#endif
