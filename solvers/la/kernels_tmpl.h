/* The tall-skinny kernels written once over a small vector vocabulary; solvers/kernels.c
 * includes this file once per instruction set after defining (and the file undefines them):
 *   FN(x)        name mangling for this instruction set
 *   V, VW        the vector type and its number of doubles
 *   M            a row mask type; VMASK(r) keeps the first r (1..VW) lanes
 *   VZERO, VLOAD, VLOADM (zero-filling, fault-free), VSTORE, VSTOREM, VBCAST, VFMA, VADD, VSUB,
 *   VHSUM (sum of the lanes), VORD(v) (mask of the lanes that are not NaN), VMAND (mask and),
 *   VSEL(k, v) (v where k, else 0), VCOUNT(k) (set lanes)
 *   AB_RV, AB_CW  the A*B register tile: AB_RV vectors of rows by AB_CW columns
 *   ATB_NV, ATB_ND the A^T*Z register tile: ATB_NV vectors of Z columns by ATB_ND columns of A
 *   ATB_REM, VBCASTP(p, P)  whether A^T*Z packs a leftover of Z columns P rows to a vector, and
 *                the load of A's rows p[0..P) repeated across the vector (see FN(atb_tile))
 * Register budget: A*B holds AB_RV*AB_CW accumulators, AB_RV A vectors and one broadcast;
 * A^T*Z holds ATB_NV*ATB_ND (+ ATB_ND with a leftover) accumulators, ATB_NV Z vectors and one
 * broadcast. */

#define AB_RB (AB_RV * VW) /* rows of one A*B tile */
#define AB_DC 16 /* columns of A per chunk (12-16 measured best; 32 leaves A's rows to L2) */

/* out tile (rows i0.., panel columns 0..w) += A(rows, d0..d0+dc) * Bp, Bp packed [d][w]. */
static inline __attribute__((always_inline)) void FN(ab_tile)(const int w, const int full,
                                                              int64_t dc, const double *a,
                                                              int64_t lda, const double *bp,
                                                              double *o, int64_t ldo,
                                                              const M *mk, const double *pf,
                                                              int pfn, const double *pfend) {
  V acc[AB_RV][AB_CW];
#pragma GCC unroll 16
  for (int c = 0; c < AB_CW; c++)
#pragma GCC unroll 4
    for (int r = 0; r < AB_RV; r++)
      if (c < w) acc[r][c] = full ? VLOAD(o + c * ldo + r * VW) : VLOADM(o + c * ldo + r * VW, mk[r]);
  for (int64_t d = 0; d < dc; d++) {
    for (int u = 0; u < pfn; u++, pf += 8)
      if (pf < pfend) _mm_prefetch((const char *)pf, _MM_HINT_T1);
    V av[AB_RV];
#pragma GCC unroll 4
    for (int r = 0; r < AB_RV; r++)
      av[r] = full ? VLOAD(a + d * lda + r * VW) : VLOADM(a + d * lda + r * VW, mk[r]);
#pragma GCC unroll 16
    for (int c = 0; c < AB_CW; c++)
      if (c < w) {
        V bv = VBCAST(bp + d * w + c);
#pragma GCC unroll 4
        for (int r = 0; r < AB_RV; r++) acc[r][c] = VFMA(av[r], bv, acc[r][c]);
      }
  }
#pragma GCC unroll 16
  for (int c = 0; c < AB_CW; c++)
#pragma GCC unroll 4
    for (int r = 0; r < AB_RV; r++)
      if (c < w) {
        if (full) VSTORE(o + c * ldo + r * VW, acc[r][c]);
        else VSTOREM(o + c * ldo + r * VW, mk[r], acc[r][c]);
      }
}

static void FN(ab_panel)(int w, int full, int64_t dc, const double *a, int64_t lda,
                         const double *bp, double *o, int64_t ldo, const M *mk, const double *pf,
                         int pfn, const double *pfend) {
#define AB_CASE(W)                                                                           \
  case W:                                                                                    \
    if (full) FN(ab_tile)(W, 1, dc, a, lda, bp, o, ldo, mk, pf, pfn, pfend);                 \
    else FN(ab_tile)(W, 0, dc, a, lda, bp, o, ldo, mk, pf, pfn, pfend);                      \
    break;
  switch (w) {
    AB_CASE(1)
    AB_CASE(2)
    AB_CASE(3)
#if AB_CW > 3
    AB_CASE(4)
    AB_CASE(5)
    AB_CASE(6)
#endif
#if AB_CW > 6
    AB_CASE(7)
    AB_CASE(8)
#endif
#if AB_CW > 8
    AB_CASE(9)
    AB_CASE(10)
    AB_CASE(11)
    AB_CASE(12)
#endif
    default: break;
  }
#undef AB_CASE
}

static void FN(colstats)(int64_t m, const double *col, const double *pf, double *out);

/* pack: AB_DC * l doubles; stats: NULL, or 3 per column of A (see FN(colstats)), taken from
 * each chunk while it is still in cache */
static void FN(ab)(int64_t m, int64_t n, int l, const double *a, int64_t lda, const double *b,
                   int64_t brs, int64_t bcs, double *out, int64_t ldo, double *pack,
                   double *stats) {
  for (int64_t d0 = 0; d0 < n; d0 += AB_DC) {
    int64_t dc = n - d0 < AB_DC ? n - d0 : AB_DC;
    /* panel p (columns j0..j0+w) is packed at pack + j0*dc as [d][w] */
    for (int j0 = 0; j0 < l; j0 += AB_CW) {
      int w = l - j0 < AB_CW ? l - j0 : AB_CW;
      double *bp = pack + (int64_t)j0 * dc;
      for (int64_t d = 0; d < dc; d++)
        for (int c = 0; c < w; c++) bp[d * w + c] = b[(d0 + d) * brs + (int64_t)(j0 + c) * bcs];
    }
    const double *ad = a + d0 * lda;
    for (int64_t i0 = 0; i0 < m; i0 += AB_RB) {
      int full = m - i0 >= AB_RB;
      /* Row tiles jump around the chunk (AB_DC columns, contiguous when lda == m) in more
       * streams than the hardware prefetcher follows: fetch the next chunk into L2 in order,
       * a slice per row tile (measured: 52 -> 70 GF/s at 2000 x 100,000, l = 20), spread over
       * the tile's column steps so that the misses in flight stay few and steady. */
      const double *pf = NULL, *pfend = NULL;
      int pfn = 0;
      if (d0 + AB_DC < n) {
        int64_t ndc = n - d0 - AB_DC < AB_DC ? n - d0 - AB_DC : AB_DC;
        int64_t len = (ndc - 1) * lda + m, nt = (m + AB_RB - 1) / AB_RB;
        int64_t step = (len + nt - 1) / nt, p0 = i0 / AB_RB * step;
        int64_t lines = (step + 7) / 8, slots = (int64_t)((l + AB_CW - 1) / AB_CW) * dc;
        pf = a + (d0 + AB_DC) * lda + p0;
        pfend = a + (d0 + AB_DC) * lda + (p0 + step < len ? p0 + step : len);
        pfn = (int)((lines + slots - 1) / slots);
      }
      M mk[AB_RV];
      for (int r = 0; r < AB_RV; r++) {
        int64_t left = m - i0 - (int64_t)r * VW;
        mk[r] = VMASK(left <= 0 ? 0 : left >= VW ? VW : (int)left);
      }
      for (int j0 = 0; j0 < l; j0 += AB_CW) {
        int w = l - j0 < AB_CW ? l - j0 : AB_CW;
        FN(ab_panel)(w, full, dc, ad + i0, lda, pack + (int64_t)j0 * dc, out + i0 + (int64_t)j0 * ldo,
                     ldo, mk, pf, pfn, pfend);
        pf += (int64_t)pfn * 8 * dc;
      }
    }
    if (stats)
      for (int64_t d = 0; d < dc; d++) FN(colstats)(m, ad + d * lda, NULL, stats + 3 * (d0 + d));
  }
}

/* A^T Z in the broadcast form: a tile holds ATB_NV vectors of output columns (lanes = columns j
 * of Z) for ATB_ND columns d of A, and the sum over i runs whole in registers.  Each A element is
 * broadcast once per panel; Z is packed row-wise per panel (zp[i][ATB_NV*VW], zero-padded), so
 * every operand is read in order and nothing but the tile is ever stored.
 *
 * A leftover of r <= VW/2 columns of Z (l = 20 = 16 + 4, l = 10 = 8 + 2) would waste most of a
 * vector per row.  With ATB_REM, the last panel's tile also runs P = VW/r rows at a time through
 * one vector: lane q holds row q mod P of the group and leftover column q div P (zr, packed so
 * by group), multiplied by A's P consecutive rows broadcast P-periodically (one load), so the
 * leftover costs 1/P of a vector per row.  The P partial sums of a column are added at the end. */
static inline __attribute__((always_inline)) void FN(atb_tile)(const int nv, const int nd,
                                                               const int P, int64_t m,
                                                               const double *a, int64_t lda,
                                                               const double *zp, const double *zr,
                                                               double *res, double *rres) {
  V acc[ATB_NV][ATB_ND], racc[ATB_ND];
#pragma GCC unroll 16
  for (int t = 0; t < ATB_ND; t++) {
#pragma GCC unroll 4
    for (int r = 0; r < ATB_NV; r++)
      if (t < nd && r < nv) acc[r][t] = VZERO();
    if (t < nd && P) racc[t] = VZERO();
  }
  int64_t i = 0, mfull = P ? m / P * P : m;
  while (i < m) {
    /* main panel: one row at a time, P of them per group when there is a leftover */
    int64_t iend = P ? (i < mfull ? i + P : m) : m;
    for (int64_t ii = i; ii < iend; ii++) {
      /* the ATB_ND column streams, 16 lines ahead (l = 10: 49 -> 64 GF/s, l = 20: 81 -> 89) */
      if ((ii & 7) == 0)
#pragma GCC unroll 16
        for (int t = 0; t < ATB_ND; t++)
          if (t < nd) _mm_prefetch((const char *)(a + t * lda + ii + 128), _MM_HINT_T0);
      V zv[ATB_NV];
#pragma GCC unroll 4
      for (int r = 0; r < ATB_NV; r++)
        if (r < nv) zv[r] = VLOAD(zp + ii * (ATB_NV * VW) + r * VW);
#pragma GCC unroll 16
      for (int t = 0; t < ATB_ND; t++)
        if (t < nd && nv) {
          V av = VBCAST(a + t * lda + ii);
#pragma GCC unroll 4
          for (int r = 0; r < ATB_NV; r++)
            if (r < nv) acc[r][t] = VFMA(zv[r], av, acc[r][t]);
        }
    }
    if (P) {
      V zrv = VLOAD(zr + (i / P) * VW);
      if (i < mfull) {
#pragma GCC unroll 16
        for (int t = 0; t < ATB_ND; t++)
          if (t < nd) racc[t] = VFMA(zrv, VBCASTP(a + t * lda + i, P), racc[t]);
      } else {
        /* the last, partial group: A's rows past m must not be read */
        double buf[VW] = {0};
#pragma GCC unroll 16
        for (int t = 0; t < ATB_ND; t++)
          if (t < nd) {
            for (int64_t q = i; q < m; q++) buf[q - i] = a[t * lda + q];
            racc[t] = VFMA(zrv, VBCASTP(buf, P), racc[t]);
          }
      }
    }
    i = iend;
  }
#pragma GCC unroll 16
  for (int t = 0; t < ATB_ND; t++) {
#pragma GCC unroll 4
    for (int r = 0; r < ATB_NV; r++)
      if (t < nd && r < nv) VSTORE(res + t * (ATB_NV * VW) + r * VW, acc[r][t]);
    if (t < nd && P) VSTORE(rres + t * VW, racc[t]);
  }
}

static void FN(atb_panel)(int nv, int nd, int P, int64_t m, const double *a, int64_t lda,
                          const double *zp, const double *zr, double *res, double *rres) {
#define ATB_CASE(NV, PP)                                                                \
  if (nv == NV && P == PP) {                                                           \
    if (nd == ATB_ND) FN(atb_tile)(NV, ATB_ND, PP, m, a, lda, zp, zr, res, rres);      \
    else FN(atb_tile)(NV, 1, PP, m, a, lda, zp, zr, res, rres);                        \
    return;                                                                            \
  }
  ATB_CASE(1, 0)
  ATB_CASE(2, 0)
#if ATB_NV > 2
  ATB_CASE(3, 0)
#endif
#if ATB_REM
  ATB_CASE(0, 2)
  ATB_CASE(1, 2)
  ATB_CASE(2, 2)
  ATB_CASE(3, 2)
  ATB_CASE(0, 4)
  ATB_CASE(1, 4)
  ATB_CASE(2, 4)
  ATB_CASE(3, 4)
  ATB_CASE(0, 8)
  ATB_CASE(1, 8)
  ATB_CASE(2, 8)
  ATB_CASE(3, 8)
#endif
#undef ATB_CASE
}

/* The A^T Z panel layout for l columns: r leftover columns P rows to a vector (r = P = 0: none),
 * lm = l - r columns in npan panels of ATB_NV * VW. */
static inline void FN(atb_shape)(int l, int *r, int *P, int *lm, int *npan) {
  const int pw = ATB_NV * VW;
  *r = ATB_REM ? l % VW : 0;
  if (*r > VW / 2) *r = 0;                       /* more than half a vector: pad it */
  *P = *r ? VW / (*r == 3 ? 4 : *r) : 0;         /* rows per leftover vector */
  *lm = l - *r;
  *npan = (*lm + pw - 1) / pw;
}

/* zp: m * npanels * ATB_NV * VW doubles plus ceil(m / P) * VW <= 4 (m + 8) for the leftover,
 * aligned to the vector */
static void FN(atb_pack)(int64_t m, int l, const double *z, int64_t ldz, double *zp) {
  const int pw = ATB_NV * VW;
  int r, P, lm, npan;
  FN(atb_shape)(l, &r, &P, &lm, &npan);
  for (int p = 0; p < npan; p++) {
    double *zq = zp + (int64_t)p * m * pw;
    int j0 = p * pw, w = lm - j0 < pw ? lm - j0 : pw;
    for (int64_t i = 0; i < m; i++) {
      for (int c = 0; c < w; c++) zq[i * pw + c] = z[i + (int64_t)(j0 + c) * ldz];
      for (int c = w; c < pw; c++) zq[i * pw + c] = 0.0;
    }
  }
  double *zr = zp + (int64_t)npan * m * pw;
  if (P)
    for (int64_t g = 0; g < (m + P - 1) / P; g++)
      for (int q = 0; q < VW; q++) {
        int64_t row = g * P + q % P;
        int c = q / P;
        zr[g * VW + q] = row < m && c < r ? z[row + (int64_t)(lm + c) * ldz] : 0.0;
      }
}

/* out = A^T Z with Z packed by FN(atb_pack) */
static void FN(atb)(int64_t m, int64_t n, int l, const double *a, int64_t lda, const double *zp,
                    double *out, int64_t ors, int64_t ocs) {
  const int pw = ATB_NV * VW; /* columns of Z per panel */
  int r, P, lm, npan;
  FN(atb_shape)(l, &r, &P, &lm, &npan);
  const double *zr = zp + (int64_t)npan * m * pw;
  double res[ATB_ND * ATB_NV * VW] __attribute__((aligned(64)));
  double rres[ATB_ND * VW] __attribute__((aligned(64)));
  int nsteps = npan > 0 ? npan : 1; /* l < VW/2: the leftover alone, in one nv = 0 tile */
  for (int64_t d0 = 0; d0 < n;) {
    int nd = n - d0 >= ATB_ND ? ATB_ND : 1;
    for (int p = 0; p < nsteps; p++) {
      int j0 = p * pw, w = npan ? (lm - j0 < pw ? lm - j0 : pw) : 0, nv = (w + VW - 1) / VW;
      int last = p == nsteps - 1;
      FN(atb_panel)(nv, nd, last ? P : 0, m, a + d0 * lda, lda, zp + (int64_t)p * m * pw, zr, res, rres);
      for (int t = 0; t < nd; t++)
        for (int c = 0; c < w; c++) out[(d0 + t) * ors + (int64_t)(j0 + c) * ocs] = res[t * pw + c];
      if (last && P)
        for (int t = 0; t < nd; t++)
          for (int c = 0; c < r; c++) {
            double sum = 0;
            for (int q = 0; q < P; q++) sum += rres[t * VW + c * P + q];
            out[(d0 + t) * ors + (int64_t)(lm + c) * ocs] = sum;
          }
    }
    d0 += nd;
  }
}

/* Count, mean and sum of squared deviations of the non-NaN entries of one column: two sweeps,
 * the second in cache; the first also prefetches the column at pf (NULL: none), which keeps a
 * second stream in flight (one stream alone reads at about 60% of the STREAM bandwidth).
 * A column without NaN (its plain sum is finite) takes sweeps without masks or counts: the
 * masked sweeps ran at 7 elements/ns in cache, a third of the A*B chunk's time they summarise.
 * Both routes do the same additions in the same order on such a column. */
static void FN(colstats)(int64_t m, const double *col, const double *pf, double *out) {
  V s[4] = {VZERO(), VZERO(), VZERO(), VZERO()}, q[4] = {VZERO(), VZERO(), VZERO(), VZERO()};
  int64_t c = 0, i = 0, m4 = m / (4 * VW) * (4 * VW);
  for (; i < m4; i += 4 * VW) {
    if (pf)
#pragma GCC unroll 4
      for (int u = 0; u < 4 * VW; u += 8) _mm_prefetch((const char *)(pf + i + u), _MM_HINT_T0);
#pragma GCC unroll 4
    for (int u = 0; u < 4; u++) s[u] = VADD(s[u], VLOAD(col + i + u * VW));
  }
  for (; i < m; i += VW) s[0] = VADD(s[0], VLOADM(col + i, VMASK(m - i < VW ? (int)(m - i) : VW)));
  double sum = VHSUM(VADD(VADD(s[0], s[1]), VADD(s[2], s[3])));
  int masked = !(sum - sum == 0.0); /* NaN or infinite: count the observed entries */
  if (masked) {
    for (int u = 0; u < 4; u++) s[u] = VZERO();
    for (i = 0; i < m4; i += 4 * VW)
#pragma GCC unroll 4
      for (int u = 0; u < 4; u++) {
        V y = VLOAD(col + i + u * VW);
        M k = VORD(y);
        c += VCOUNT(k);
        s[u] = VADD(s[u], VSEL(k, y));
      }
    for (; i < m; i += VW) {
      M t = VMASK(m - i < VW ? (int)(m - i) : VW);
      V y = VLOADM(col + i, t);
      M k = VMAND(VORD(y), t);
      c += VCOUNT(k);
      s[0] = VADD(s[0], VSEL(k, y));
    }
    sum = VHSUM(VADD(VADD(s[0], s[1]), VADD(s[2], s[3])));
  } else {
    c = m;
  }
  double mu = c > 0 ? sum / (double)c : 0.0;
  V vmu = VBCAST(&mu);
  for (i = 0; i < m4; i += 4 * VW)
#pragma GCC unroll 4
    for (int u = 0; u < 4; u++) {
      V y = VLOAD(col + i + u * VW), d = VSUB(y, vmu);
      if (masked) d = VSEL(VORD(y), d);
      q[u] = VFMA(d, d, q[u]);
    }
  for (; i < m; i += VW) {
    M t = VMASK(m - i < VW ? (int)(m - i) : VW);
    V y = VLOADM(col + i, t);
    V d = VSEL(VMAND(VORD(y), t), VSUB(y, vmu));
    q[0] = VFMA(d, d, q[0]);
  }
  out[0] = (double)c;
  out[1] = mu;
  out[2] = VHSUM(VADD(VADD(q[0], q[1]), VADD(q[2], q[3])));
}

#undef AB_RB
#undef AB_DC
/* the vocabulary is consumed: the next instruction set defines its own */
#undef FN
#undef V
#undef VW
#undef M
#undef VMASK
#undef VZERO
#undef VLOAD
#undef VLOADM
#undef VSTORE
#undef VSTOREM
#undef VBCAST
#undef VFMA
#undef VADD
#undef VSUB
#undef VHSUM
#undef VORD
#undef VMAND
#undef VSEL
#undef VCOUNT
#undef AB_RV
#undef AB_CW
#undef ATB_NV
#undef ATB_ND
#undef ATB_REM
#undef VBCASTP
