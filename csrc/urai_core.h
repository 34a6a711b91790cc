/* urai._core: compiled kernels of urai's check pipeline (shared declarations).
 *
 * The Python modules (urai.tokenize, urai.detect, urai.lattice, ...) are the reference
 * implementation; every kernel here computes the same thing and the tests compare them.
 */
#ifndef URAI_CORE_H
#define URAI_CORE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>

/* The logistic function of urai.detect.evidence.sigmoid: x clipped to [-50, 50], then
 * 1 / (1 + exp(-x)) with libm's exp (what Python's math.exp calls, so the Python reference
 * that needs the same bits computes it with math.exp) */
static inline double urai_sigmoid(double x) {
    if (x > 50.0) x = 50.0;
    if (x < -50.0) x = -50.0;
    return 1.0 / (1.0 + exp(-x));
}

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

/* ---- n-gram LM (csrc/lm.c) ----------------------------------------------------------- */

/* ``bytes`` of memory for a large, randomly read table: from 2 MB on, 2 MB-aligned and on
 * transparent huge pages where Linux offers them (madvise mode), else 64-byte aligned;
 * NULL without memory; freed with free() */
void *urai_table_alloc(size_t bytes);

/* Columns of the evidence matrix X (one row per candidate), by name in
 * urai.detect.evidence.TOKEN_FEATURES; _core.feature_columns() exports them so that a
 * test and EngineCore check them name by name. */
enum {
    F_LM = 0, /* 0..4: lm_terms(delta) */
    F_UNI_DELTA = 5,
    F_UNI_OBS = 6,
    F_ZIPF_DELTA = 7,
    F_ZIPF_OBS = 8,
    F_WEIGHT = 9,
    F_FUNCTION = 10,
    F_LOG_ALTS = 11,
    F_FW_LM = 12,
    F_OBS_UNK = 13,
    F_LM_RANK = 14,
    F_FANOUT = 15,
    F_REVERSE = 16,
    F_LM_BEST = 17,
    F_CLOZE = 18,
    F_CLOZE_RELU = 19,
    F_CLOZE_BEST = 20,
    NF = 21,
};

/* (python name, column) pairs of the enum above, for _core.feature_columns() */
#define URAI_FEATURE_COLUMNS \
    X("lm_delta", F_LM) \
    X("uni_delta", F_UNI_DELTA) \
    X("uni_obs", F_UNI_OBS) \
    X("zipf_delta", F_ZIPF_DELTA) \
    X("zipf_obs", F_ZIPF_OBS) \
    X("weight", F_WEIGHT) \
    X("function_word", F_FUNCTION) \
    X("log_alts", F_LOG_ALTS) \
    X("fw_lm_delta", F_FW_LM) \
    X("obs_unknown", F_OBS_UNK) \
    X("lm_rank", F_LM_RANK) \
    X("cand_fanout", F_FANOUT) \
    X("reverse_edge", F_REVERSE) \
    X("lm_best", F_LM_BEST) \
    X("cloze_delta", F_CLOZE) \
    X("cloze_relu0", F_CLOZE_RELU) \
    X("cloze_best", F_CLOZE_BEST) \

#define URAI_MAX_ORDER 8

/* AVX2 builds of the hot kernels beside the baseline ones, chosen when the module loads
 * (x86-64 with GCC or clang; the numbers are the same: -ffp-contract=off, no reassociation) */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(URAI_NO_AVX2_BUILD)
#define URAI_HAVE_AVX2 1
#else
#define URAI_HAVE_AVX2 0
#endif
/* other hot loops: an AVX2 clone by GCC's function multi-versioning where the loader
 * supports it (GNU ifunc: glibc). Elsewhere (musl; clang, whose target_clones needs the
 * attribute on every declaration) they are built for the baseline only. */
#if URAI_HAVE_AVX2 && defined(__linux__) && defined(__GLIBC__) && !defined(__clang__)
#define URAI_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define URAI_KERNEL
#endif

typedef struct {
    uint64_t key;
    float logp;
    float bow;
} lm_slot;

/* an n-gram LM's scoring tables: tab[i] hashes the (i+1)-grams (i >= 1) */
typedef struct {
    int order, bits;
    int64_t vocab;
    float *uni_logp, *uni_bow;
    lm_slot *tab[URAI_MAX_ORDER];
    /* packed layout: key | logp code << kbits | bow code << (kbits + lpbits) */
    int packed[URAI_MAX_ORDER];
    uint64_t *ptab[URAI_MAX_ORDER];
    uint64_t keymask[URAI_MAX_ORDER], lpmask[URAI_MAX_ORDER], bwmask[URAI_MAX_ORDER];
    int kbits[URAI_MAX_ORDER], lpbits[URAI_MAX_ORDER];
    float *pal_lp[URAI_MAX_ORDER], *pal_bow[URAI_MAX_ORDER];
    uint64_t size[URAI_MAX_ORDER]; /* slots (wide layout) or buckets (packed) per table */
    double load;                   /* the packed layout's share of used words */
    int closed[URAI_MAX_ORDER]; /* every (i+1)-gram's suffix is stored */
    int no_pack;                /* keep the wide layout (tests) */
} urai_lm;

/* log10 P(row[order-1] | row[0..order-2]); -1 marks "no word" in the context */
double urai_lm_score(const urai_lm *lm, const int64_t *row);
/* the row of ``order`` ids that scores the window w3 = (a, b, c): wider models see -1 ("no
 * word") on the left, narrower ones only the last ``order`` ids (as logprob_ids pads) */
void urai_lm_row3(const urai_lm *lm, const int64_t w3[3], int64_t *row);
/* the same for n rows (rows: n x order), with the misses of several rows overlapped */
void urai_lm_score_rows(const urai_lm *lm, const int64_t *rows, Py_ssize_t n, double *out);
/* the summed log10 P of the three trigram windows around ids[j] placed at seq[pos[j]]
 * (the third window is skipped when seq[pos[j] + 1] is </s>) */
/* 1 if the AVX2 kernels run (decided on first use: the CPU has AVX2 and URAI_NO_AVX2 is
 * unset); urai_lm_set_simd(0/1) switches (for tests), returns the new state */
int urai_lm_simd(void);
int urai_lm_set_simd(int on);
void urai_lm_local(const urai_lm *lm, const int64_t *seq, const int64_t *pos,
                   const int64_t *ids, Py_ssize_t k, int64_t eos, double *out);
void urai_lm_free(urai_lm *lm);
extern PyTypeObject urai_LMType;
const urai_lm *urai_lm_of(PyObject *obj); /* NULL + TypeError if obj is no urai._core.LM */

/* ---- cloze model (csrc/cloze.c) ------------------------------------------------------- */

typedef struct {
    int d, H;
    Py_ssize_t n_in, n_out, n_lm;
    float *E, *W1, *b1, *ub;
    void *U;       /* output rows: float32, or float16 where the CPU converts it */
    size_t u_item; /* bytes per U entry */
    float (*dot)(const void *row, const float *restrict h, int n);
    void (*dot4)(const void *const rows[4], const float *const h[4], int n, float out[4]);
    int64_t *in_map, *out_map; /* LM id -> input row (n_lm + 1 entries) / output row or -1 */
    float **proj;              /* per input row: its 4 projections (4 x H) or NULL */
    float **chunks, *arena;
    Py_ssize_t n_chunks, cap_chunks, arena_left;
    /* per-document scratch of urai_cloze_fill */
    float *hmat, *so;
    int64_t *rows;
    int32_t *rslot, *bucket, *urow;
    Py_ssize_t cap_hmat, cap_so, cap_rows, cap_rslot, cap_urow;
} urai_cloze;

/* the hidden state (H floats) of the slot at seq[p]; -1 with MemoryError set on failure */
int urai_cloze_hidden(urai_cloze *cz, const int64_t *seq, int64_t p, float *restrict h);
/* log10 P(cand | context) - log10 P(obs | context) for the candidates of every slot j of a
 * document (all, or those with sel[j]; 0 where a word has no output row): out[r * stride]
 * for candidate row r; each output row of U is read once per call */
int urai_cloze_fill(urai_cloze *cz, const int64_t *ctx, Py_ssize_t m, const int64_t *pseq,
                    const int64_t *obs, const int64_t *ptr, const int64_t *cand,
                    const unsigned char *sel, double *out, Py_ssize_t stride);
void urai_cloze_free(urai_cloze *cz);
extern PyTypeObject urai_ClozeType;
urai_cloze *urai_cloze_of(PyObject *obj);

extern PyTypeObject urai_AnalyzerType; /* csrc/analyse.c */
extern PyTypeObject urai_FpTableType;  /* csrc/fingerprint.c: word -> slot table */

/* Python-facing wrappers (for tests and the Python layer) */
PyObject *urai_py_tokenize(PyObject *self, PyObject *text);
PyObject *urai_py_split_sentences(PyObject *self, PyObject *text);
PyObject *urai_py_decode(PyObject *self, PyObject *args); /* csrc/decode.c */

#endif
