/* The LM's hot lookups and scoring kernels, included twice by lm.c: once for the baseline
 * x86-64/other target and once compiled for AVX2 (LMK_AVX2), with names from LMK(). The two
 * give the same numbers; lm.c picks one when the module loads (urai_lm_set_simd). */

/* Probe order ``i`` for ``key``: wide tables hold (key, logp, bow) per 16-byte slot, probed
 * linearly; compact ones (the shipped, quantised model) pack the key and the two value codes
 * into one 8-byte word, read the values from small palettes and group the words in buckets.
 */
static inline LMK_ATTR lm_val LMK(lm_find)(const urai_lm *lm, int i, uint64_t key) {
    uint64_t s = lm_home(lm, i, key);
    if (lm->packed[i]) {
        /* buckets of LM_BUCKET words (32 bytes, aligned): the key is in the first bucket
         * from its home that holds it, or absent if a bucket on the way has an empty word;
         * a bucket's words are compared at once (one AVX2 compare) without branching */
        const uint64_t *t = lm->ptab[i];
        const uint64_t km = lm->keymask[i];
        for (;;) {
            const uint64_t *b = t + s * LM_BUCKET;
            unsigned eq, em;
#if LMK_AVX2
            const __m256i v = _mm256_load_si256((const __m256i *)b);
            const __m256i x = _mm256_and_si256(v, _mm256_set1_epi64x((long long)km));
            eq = (unsigned)_mm256_movemask_pd(
                _mm256_castsi256_pd(_mm256_cmpeq_epi64(x, _mm256_set1_epi64x((long long)key))));
            em = (unsigned)_mm256_movemask_pd(
                _mm256_castsi256_pd(_mm256_cmpeq_epi64(v, _mm256_set1_epi64x(-1))));
#else
            eq = em = 0;
            for (int q = 0; q < LM_BUCKET; q++) {
                const uint64_t v = b[q];
                eq |= (unsigned)((v & km) == key) << q;
                em |= (unsigned)(v == LM_EMPTY) << q;
            }
#endif
            eq &= ~em;
            if (__builtin_expect((eq | em) != 0, 1)) {
                /* a miss reads the bucket's empty word, whose codes index the palettes'
                 * padding; found selects without a branch */
                const int found = eq != 0;
                const uint64_t v = b[__builtin_ctz(eq | em)];
                const uint64_t codes = v >> lm->kbits[i];
                const float lp = lm->pal_lp[i][codes & lm->lpmask[i]];
                const float bw = lm->pal_bow[i][(codes >> lm->lpbits[i]) & lm->bwmask[i]];
                return (lm_val){found, found ? lp : 0.0f, found ? bw : 0.0f};
            }
            s = lm_next(lm, i, s);
        }
    }
    const lm_slot *t = lm->tab[i];
    for (;;) {
        const lm_slot *p = t + s;
        if (p->key == key) return (lm_val){1, p->logp, p->bow};
        if (p->key == LM_EMPTY) return (lm_val){0, 0.0f, 0.0f};
        s = lm_next(lm, i, s);
    }
}

static inline LMK_ATTR void LMK(lm_prefetch_slot)(const urai_lm *lm, int i, uint64_t key) {
    uint64_t s = lm_home(lm, i, key);
    if (lm->packed[i])
        __builtin_prefetch(lm->ptab[i] + s * LM_BUCKET);
    else
        __builtin_prefetch(lm->tab[i] + s);
}

static LMK_ATTR double LMK(lm_score)(const urai_lm *lm, const int64_t *row) {
    const int N = lm->order;
    const int64_t V = lm->vocab;
    int64_t w = row[N - 1];
    if (w >= V || w < 0) w = 0; /* <unk> (negative is refused by the callers) */
    double result = (double)lm->uni_logp[w];
    double bows = 0.0;
    uint64_t key = (uint64_t)w, ctx_key = 0;
    int ctx_valid = 1, prev_found = -1;
    for (int n = 2; n <= N; n++) {
        int64_t c = row[N - n];
        int valid_col = c >= 0;
        if (c >= V) c = 0;
        uint64_t mu = valid_col ? (uint64_t)c : 0;
        ctx_key |= mu << (lm->bits * (n - 2));
        ctx_valid &= valid_col;
        double cbow = 0.0;
        if (ctx_valid) {
            if (n == 2) {
                cbow = (double)lm->uni_bow[mu];
            } else {
                lm_val p = LMK(lm_find)(lm, n - 2, ctx_key);
                cbow = p.found ? (double)p.bow : 0.0;
            }
        }
        key |= mu << (lm->bits * (n - 1));
        int ask = ctx_valid;
        if (prev_found >= 0 && lm->closed[n - 1]) ask = ask && prev_found;
        int found = 0;
        float lp = 0.0f;
        if (ask) {
            lm_val p = LMK(lm_find)(lm, n - 1, key);
            if (p.found) {
                found = 1;
                lp = p.logp;
            }
        }
        prev_found = found;
        if (found) {
            bows = 0.0;
            result = (double)lp;
        } else {
            bows = bows + cbow;
        }
    }
    return result + bows;
}

/* Prefetch the home slots ``urai_lm_score`` will probe first for ``row`` (every order's key
 * and context key), so that many rows' cache misses overlap. */
static inline LMK_ATTR void LMK(lm_prefetch)(const urai_lm *lm, const int64_t *row) {
    const int N = lm->order;
    const int64_t V = lm->vocab;
    int64_t w = row[N - 1];
    if (w >= V || w < 0) w = 0;
    uint64_t key = (uint64_t)w, ctx_key = 0;
    for (int n = 2; n <= N; n++) {
        int64_t c = row[N - n];
        if (c < 0) break;
        if (c >= V) c = 0;
        ctx_key |= (uint64_t)c << (lm->bits * (n - 2));
        if (n > 2) LMK(lm_prefetch_slot)(lm, n - 2, ctx_key);
        key |= (uint64_t)c << (lm->bits * (n - 1));
        LMK(lm_prefetch_slot)(lm, n - 1, key);
    }
}

#define LM_AHEAD 8

static LMK_ATTR void LMK(lm_score_rows)(const urai_lm *lm, const int64_t *rows, Py_ssize_t n, double *out) {
    const int N = lm->order;
    for (Py_ssize_t i = 0; i < n && i < LM_AHEAD; i++) LMK(lm_prefetch)(lm, rows + i * N);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i + LM_AHEAD < n) LMK(lm_prefetch)(lm, rows + (i + LM_AHEAD) * N);
        out[i] = LMK(lm_score)(lm, rows + i * N);
    }
}


/* one window of width 3 (a, b, c) scored by an LM of any order */
static inline LMK_ATTR double LMK(lm_window)(const urai_lm *lm, int64_t a, int64_t b, int64_t c) {
    int64_t row[URAI_MAX_ORDER];
    const int64_t w3[3] = {a, b, c};
    urai_lm_row3(lm, w3, row);
    return LMK(lm_score)(lm, row);
}





/* urai_lm_score for the window (a b c) given its probes: bg = bigram (b c) (probed when b is
 * a word, b >= 0), ctx = bigram (a b) (probed when ``ab_ok``: a and b are words) and tg =
 * trigram (a b c) (probed when the rule asks for it: not found otherwise); the arithmetic is
 * urai_lm_score's, so the numbers are identical */
static inline LMK_ATTR double LMK(lm_combine3)(const urai_lm *lm, int64_t b, int ab_ok, int64_t c,
                                 lm_val bg, lm_val ctx, lm_val tg) {
    double result = (double)lm->uni_logp[c];
    double bows = 0.0;
    int b_ok = b >= 0;
    double cbow = b_ok ? (double)lm->uni_bow[b] : 0.0;
    if (b_ok && bg.found) {
        bows = 0.0;
        result = (double)bg.logp;
    } else {
        bows = bows + cbow;
    }
    cbow = ab_ok ? (ctx.found ? (double)ctx.bow : 0.0) : 0.0;
    if (tg.found) {
        bows = 0.0;
        result = (double)tg.logp;
    } else {
        bows = bows + cbow;
    }
    return result + bows;
}

static inline LMK_ATTR lm_val LMK(lm_find2)(const urai_lm *lm, int64_t a, int64_t b) {
    return (a >= 0 && b >= 0) ? LMK(lm_find)(lm, 1, key2(lm, a, b)) : (lm_val){0, 0.0f, 0.0f};
}


/* stage A of the slot starting at entry j; returns the entry after it */
static inline LMK_ATTR Py_ssize_t LMK(lm_stage_a)(const urai_lm *lm, const int64_t *seq, const int64_t *pos,
                             const int64_t *ids, Py_ssize_t k, int64_t eos, Py_ssize_t j,
                             lm_slot_state *s) {
    const int64_t p = pos[j];
    Py_ssize_t e = j + 1;
    while (e < k && pos[e] == p && e - j < LM_G) e++;
    s->j = j;
    s->g = (int)(e - j);
    s->l2 = seq[p - 2] < 0 ? -1 : lm_clip(lm, seq[p - 2]);
    s->l1 = seq[p - 1] < 0 ? -1 : lm_clip(lm, seq[p - 1]);
    s->r1 = lm_clip(lm, seq[p + 1]);
    s->r2 = lm_clip(lm, seq[p + 2]);
    s->third = seq[p + 1] != eos;
    if (s->l2 >= 0 && s->l1 >= 0) LMK(lm_prefetch_slot)(lm, 1, key2(lm, s->l2, s->l1));
    LMK(lm_prefetch_slot)(lm, 1, key2(lm, s->r1, s->r2));
    for (int i = 0; i < s->g; i++) {
        const int64_t x = ids[j + i] >= lm->vocab ? 0 : ids[j + i];
        s->w[i] = x;
        if (s->l1 >= 0) {
            s->klw[i] = key2(lm, s->l1, x);
            LMK(lm_prefetch_slot)(lm, 1, s->klw[i]);
        }
        s->kwr[i] = key2(lm, x, s->r1);
        LMK(lm_prefetch_slot)(lm, 1, s->kwr[i]);
    }
    return e;
}

/* stage B: the bigrams, and the trigram probes urai_lm_score would make (suffix-closed
 * models skip the trigrams whose bigram suffix is absent) */
static inline LMK_ATTR void LMK(lm_stage_b)(const urai_lm *lm, lm_slot_state *s) {
    static const lm_val none = {0, 0.0f, 0.0f};
    const int64_t l2 = s->l2, l1 = s->l1, r1 = s->r1, r2 = s->r2;
    s->ctx_l = LMK(lm_find2)(lm, l2, l1);
    s->bg_r = LMK(lm_find2)(lm, r1, r2);
    const int closed = lm->closed[2];
    for (int i = 0; i < s->g; i++) {
        const int64_t w = s->w[i];
        s->blw[i] = l1 >= 0 ? LMK(lm_find)(lm, 1, s->klw[i]) : none;
        s->bwr[i] = LMK(lm_find)(lm, 1, s->kwr[i]);
        s->ask[0][i] = l2 >= 0 && l1 >= 0 && (!closed || s->blw[i].found);
        s->ask[1][i] = l1 >= 0 && (!closed || s->bwr[i].found);
        s->ask[2][i] = s->third && (!closed || s->bg_r.found);
        s->k3[0][i] = key3(lm, l2, l1, w);
        s->k3[1][i] = key3(lm, l1, w, r1);
        s->k3[2][i] = key3(lm, w, r1, r2);
        for (int q = 0; q < 3; q++)
            if (s->ask[q][i]) LMK(lm_prefetch_slot)(lm, 2, s->k3[q][i]);
    }
}

/* stage C: the trigrams, and the three windows' scores */
static inline LMK_ATTR void LMK(lm_stage_c)(const urai_lm *lm, const lm_slot_state *s, double *out) {
    static const lm_val none = {0, 0.0f, 0.0f};
    const int64_t l2 = s->l2, l1 = s->l1, r1 = s->r1, r2 = s->r2;
    for (int i = 0; i < s->g; i++) {
        lm_val t3[3];
        for (int q = 0; q < 3; q++) t3[q] = s->ask[q][i] ? LMK(lm_find)(lm, 2, s->k3[q][i]) : none;
        const int64_t w = s->w[i];
        double s1 = LMK(lm_combine3)(lm, l1, l1 >= 0 && l2 >= 0, w, s->blw[i], s->ctx_l, t3[0]);
        double s2 = LMK(lm_combine3)(lm, w, l1 >= 0, r1, s->bwr[i], s->blw[i], t3[1]);
        double s3 = s->third ? LMK(lm_combine3)(lm, r1, 1, r2, s->bg_r, s->bwr[i], t3[2]) : 0.0;
        out[s->j + i] = s1 + s2 + s3;
    }
}

static LMK_ATTR void LMK(lm_local)(const urai_lm *lm, const int64_t *seq, const int64_t *pos,
                   const int64_t *ids, Py_ssize_t k, int64_t eos, double *out) {
    if (lm->order != 3) {
        for (Py_ssize_t j = 0; j < k; j++) {
            int64_t p = pos[j], w = ids[j];
            int64_t l2 = seq[p - 2], l1 = seq[p - 1], r1 = seq[p + 1], r2 = seq[p + 2];
            double s1 = LMK(lm_window)(lm, l2, l1, w);
            double s2 = LMK(lm_window)(lm, l1, w, r1);
            double s3 = r1 == eos ? 0.0 : LMK(lm_window)(lm, w, r1, r2);
            out[j] = s1 + s2 + s3;
        }
        return;
    }
    if (k <= 0) return;
    /* slot t enters stage A while slot t - 1 is in stage B and slot t - 2 in stage C */
    lm_slot_state st[3];
    Py_ssize_t next = 0, started = 0;
    for (Py_ssize_t t = 0;; t++) {
        if (next < k) {
            next = LMK(lm_stage_a)(lm, seq, pos, ids, k, eos, next, &st[t % 3]);
            started = t + 1;
        }
        if (t >= 1 && t - 1 < started) LMK(lm_stage_b)(lm, &st[(t - 1) % 3]);
        if (t >= 2 && t - 2 < started) LMK(lm_stage_c)(lm, &st[(t - 2) % 3], out);
        if (t - 2 >= started - 1) break;
    }
}

