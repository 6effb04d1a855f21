/* Joint NMF on the 2D process grid: HALS, ANLS (block principal pivoting NNLS) and
 * multiplicative updates, with masks for missing entries, view weights, random or NNDSVD
 * initialisation, checkpoint/resume and signal handling.  Data stay where the dmat put them;
 * only k x n factor blocks and k x k Grams travel (MPI-FAUN/PLANC communication pattern).
 * Not here: choosing k (nmf_consensus.c), reading cohorts or writing results (io/, cli/). */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mpi/scalapack_proto.h"
#include "strata/state.h"
#include "solvers/la/kernels.h"
#include "solvers/la/la.h"
#include "strata/nmf.h"
#include "strata/rng.h"
#include "strata/util.h"

/* HALS keeps entries at least this large so that a factor column never dies (Gillis 2014). */
#define NMF_FLOOR 1e-16
/* Added to MU denominators (as scikit-learn does) so that a zero Gram row cannot divide by 0. */
#define NMF_MU_EPS 1e-16

typedef struct nmf_view {
  strata_dmat_t *y;    /* borrowed; missing entries hold 0 while the problem exists */
  double weight;
  int all_present;     /* global: every sample has the view */
  int has_nan;         /* global: some present sample has a NaN entry */
  int64_t nmiss;       /* local NaN entries inside present rows */
  int64_t *cptr;       /* [nloc+1] CSC of those entries: rows crow[cptr[j]..cptr[j+1]) */
  int32_t *crow;
  int64_t *rptr;       /* [mloc+1] CSR: columns rcol[rptr[i]..rptr[i+1]) */
  int32_t *rcol;
  double ss, sum;      /* global sum of squares / sum of observed entries */
  int64_t nobs;        /* global number of observed entries */
  double shift;
  int64_t clipped;
} nmf_view_t;

struct strata_nmf {
  const strata_grid_t *grid;
  int nviews;
  nmf_view_t *v;
  int64_t N, mloc;
  const int64_t *rows;
  int any_nan, all_present;
};

void strata_nmf_opts_default(strata_nmf_opts_t *o) {
  memset(o, 0, sizeof *o);
  o->solver = STRATA_NMF_HALS;
  o->init = STRATA_NMF_INIT_RANDOM;
  o->seed = 1;
  o->max_iter = 500;
  o->tol = 1e-4;
  o->inner = 1;
  o->phase = "nmf";
}

const strata_grid_t *strata_nmf_grid(const strata_nmf_t *p) { return p->grid; }
double strata_nmf_shift(const strata_nmf_t *p, int m) { return p->v[m].shift; }
int64_t strata_nmf_clipped(const strata_nmf_t *p, int m) { return p->v[m].clipped; }

/* ---- small dense helpers -------------------------------------------------------------------- */

/* C (m x n, ldc) = alpha op(A) op(B) + beta C that tolerates empty local blocks (BLAS rejects
 * lda = 0, and a zero inner dimension must still scale C). */
static void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t m, int64_t n, int64_t kk,
                 double alpha, const double *A, int64_t lda, const double *B, int64_t ldb,
                 double beta, double *C, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (kk == 0) {
    for (int64_t j = 0; j < n; j++)
      for (int64_t i = 0; i < m; i++) C[i + j * ldc] = beta == 0.0 ? 0.0 : beta * C[i + j * ldc];
    return;
  }
  cblas_dgemm(CblasColMajor, ta, tb, (int)m, (int)n, (int)kk, alpha, A, (int)(lda ? lda : 1), B,
              (int)(ldb ? ldb : 1), beta, C, (int)(ldc ? ldc : 1));
}

/* G (k x k, full) = Xt Xt^T for Xt k x n column-major (the Gram of a row-major n x k factor). */
static void gram(int k, int64_t n, const double *Xt, double *G) {
  memset(G, 0, sizeof(double) * (size_t)k * (size_t)k);
  if (n > 0) cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, k, (int)n, 1.0, Xt, k, 0.0, G, k);
  for (int c = 0; c < k; c++)
    for (int r = c + 1; r < k; r++) G[r + c * k] = G[c + r * k];
}

/* The two data-sized products in the factor layouts (k x n, one sample's or feature's k values
 * contiguous), through the tall-skinny kernels (solvers/kernels.c), which stream the data block
 * once instead of packing a copy of it as a general GEMM does.  tmp: mloc * l doubles. */

/* Zt (l x mloc) += alpha (Y X)^T with X given as Xt (l x nloc) */
static void prod_yx(int64_t mloc, int64_t nloc, int l, double alpha, const double *Xt,
                    const double *y, double *Zt, double *tmp) {
  if (mloc == 0 || nloc == 0) return;
  memset(tmp, 0, sizeof(double) * (size_t)mloc * (size_t)l);
  strata_tsmm_ab(mloc, nloc, l, y, mloc, Xt, l, 1, tmp, mloc);
  for (int64_t i = 0; i < mloc; i++)
    for (int c = 0; c < l; c++) Zt[c + i * l] += alpha * tmp[i + c * mloc];
}

/* Xt (l x nloc) = alpha (Y^T Z)^T with Z given as Zt (l x mloc) */
static void prod_ytz(int64_t mloc, int64_t nloc, int l, double alpha, const double *Zt,
                     const double *y, double *Xt, double *tmp) {
  if (nloc == 0) return;
  for (int64_t i = 0; i < mloc; i++)
    for (int c = 0; c < l; c++) tmp[i + c * mloc] = alpha * Zt[c + i * l];
  strata_tsmm_atb(mloc, nloc, l, y, mloc, tmp, mloc, Xt, l, 1);
}

/* G += s x x^T (full k x k) */
static void outer_add(int k, double s, const double *x, double *G) {
  for (int c = 0; c < k; c++) {
    double xc = s * x[c];
    for (int r = 0; r < k; r++) G[r + c * k] += xc * x[r];
  }
}

static int allreduce_sum(double *buf, int64_t n, MPI_Comm comm) {
  int st = STRATA_OK;
  /* large buffers go in pieces so that counts stay within int */
  for (int64_t off = 0; off < n; off += (int64_t)1 << 30) {
    int64_t cnt = n - off < ((int64_t)1 << 30) ? n - off : ((int64_t)1 << 30);
    STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, buf + off, (int)cnt, MPI_DOUBLE, MPI_SUM, comm));
  }
cleanup:
  return st;
}

/* ---- per-row non-negative updates (x: k loadings of one sample or feature) ----------------- */

/* One HALS sweep: exact coordinate descent on 1/2 x'Gx - b'x over x >= NMF_FLOOR. */
static void hals_row(int k, const double *G, const double *b, double *x) {
  for (int c = 0; c < k; c++) {
    double g = G[c + c * k];
    if (g <= 0.0) { /* no observed entry touches this coordinate */
      x[c] = 0.0;
      continue;
    }
    double s = b[c];
    for (int q = 0; q < k; q++) s -= G[c + q * k] * x[q];
    double v = x[c] + s / g;
    x[c] = v > NMF_FLOOR ? v : NMF_FLOOR;
  }
}

/* Lee-Seung multiplicative update x <- x .* b ./ (G x). */
static void mu_row(int k, const double *G, const double *b, double *x, double *den) {
  for (int c = 0; c < k; c++) {
    double s = 0.0;
    for (int q = 0; q < k; q++) s += G[c + q * k] * x[q];
    den[c] = s;
  }
  for (int c = 0; c < k; c++) x[c] *= (b[c] > 0.0 ? b[c] : 0.0) / (den[c] + NMF_MU_EPS);
}

/* Cholesky solve of the n x n SPD matrix A (column-major, overwritten) with rhs b (overwritten
 * by the solution).  Returns -1 if A is not numerically positive definite. */
static int chol_solve(int n, double *A, double *b) {
  for (int j = 0; j < n; j++) {
    double s = A[j + j * n];
    for (int q = 0; q < j; q++) s -= A[j + q * n] * A[j + q * n];
    if (!(s > 0.0)) return -1;
    double d = sqrt(s);
    A[j + j * n] = d;
    for (int i = j + 1; i < n; i++) {
      double t = A[i + j * n];
      for (int q = 0; q < j; q++) t -= A[i + q * n] * A[j + q * n];
      A[i + j * n] = t / d;
    }
  }
  for (int i = 0; i < n; i++) {
    double t = b[i];
    for (int q = 0; q < i; q++) t -= A[i + q * n] * b[q];
    b[i] = t / A[i + i * n];
  }
  for (int i = n - 1; i >= 0; i--) {
    double t = b[i];
    for (int q = i + 1; q < n; q++) t -= A[q + i * n] * b[q];
    b[i] = t / A[i + i * n];
  }
  return 0;
}

/* Solve the unconstrained problem on the passive set F: x_F = G_FF^{-1} b_F, x elsewhere 0,
 * y = G x - b with y_F = 0.  A singular G_FF (a dead factor) gets a tiny ridge. */
static void bpp_passive(int k, const double *G, const double *b, const int *F, double *x,
                        double *y, double *L, double *r, int *idx) {
  int nf = 0;
  for (int i = 0; i < k; i++)
    if (F[i]) idx[nf++] = i;
  double dmax = 0.0;
  for (int a = 0; a < nf; a++) dmax = fmax(dmax, G[idx[a] + idx[a] * k]);
  for (int attempt = 0; attempt < 2; attempt++) {
    for (int a = 0; a < nf; a++) {
      r[a] = b[idx[a]];
      for (int c = 0; c < nf; c++) L[a + c * nf] = G[idx[a] + idx[c] * k];
      if (attempt) L[a + a * nf] += 1e-12 * dmax + DBL_MIN;
    }
    if (chol_solve(nf, L, r) == 0) break;
    if (attempt) memset(r, 0, sizeof(double) * (size_t)nf);
  }
  for (int i = 0; i < k; i++) x[i] = 0.0;
  for (int a = 0; a < nf; a++) x[idx[a]] = r[a];
  for (int i = 0; i < k; i++) {
    double s = -b[i];
    for (int q = 0; q < k; q++) s += G[i + q * k] * x[q];
    y[i] = F[i] ? 0.0 : s;
  }
}

/* NNLS min_{x>=0} 1/2 x'Gx - b'x by block principal pivoting (Kim & Park, SISC 2011), warm
 * started from the support of x.  ws: 2k + k*k doubles + k; iws: 2k ints. */
static void bpp_row(int k, const double *G, const double *b, double *x, double *ws, int *iws) {
  double *y = ws, *r = ws + k, *L = ws + 2 * k;
  int *F = iws, *idx = iws + k;
  double bscale = 0.0;
  for (int i = 0; i < k; i++) {
    F[i] = x[i] > 0.0;
    bscale = fmax(bscale, fabs(b[i]));
  }
  /* y_i below -ytol counts as infeasible: exact zero tests cycle on round-off */
  double ytol = 1e-14 * bscale;
  bpp_passive(k, G, b, F, x, y, L, r, idx);
  int alpha = 3, beta = k + 1;
  for (int it = 0; it < 10 * k + 20; it++) {
    int nv = 0, last = -1;
    for (int i = 0; i < k; i++)
      if ((F[i] && x[i] < 0.0) || (!F[i] && y[i] < -ytol)) {
        nv++;
        last = i;
      }
    if (nv == 0) break;
    if (nv < beta) {
      beta = nv;
      alpha = 3;
    } else if (alpha >= 1) {
      alpha--;
    } else {
      /* backup rule: flip only the largest infeasible index, which guarantees termination */
      F[last] = !F[last];
      bpp_passive(k, G, b, F, x, y, L, r, idx);
      continue;
    }
    for (int i = 0; i < k; i++)
      if ((F[i] && x[i] < 0.0) || (!F[i] && y[i] < -ytol)) F[i] = !F[i];
    bpp_passive(k, G, b, F, x, y, L, r, idx);
  }
  for (int i = 0; i < k; i++)
    if (x[i] < 0.0) x[i] = 0.0;
}

/* Rows are independent once G and b are formed, so `inner` sweeps over one row equal `inner`
 * sweeps over the whole factor: the accelerated HALS/MU of Gillis & Glineur (2012), which reuse
 * the expensive products for several cheap O(k^2) sweeps.  ANLS solves exactly in one. */
static void update_row(int solver, int inner, int k, const double *G, const double *b, double *x,
                       double *ws, int *iws) {
  if (solver == STRATA_NMF_ANLS) {
    bpp_row(k, G, b, x, ws, iws);
    return;
  }
  for (int r = 0; r < inner; r++) {
    if (solver == STRATA_NMF_HALS)
      hals_row(k, G, b, x);
    else
      mu_row(k, G, b, x, ws);
  }
}

/* ---- problem set-up ---------------------------------------------------------------------- */

/* "'id' (row 8)" or "row 8": 1-based position in the view, as a user counts rows/columns */
static void name_or_index(char *buf, size_t n, char *const *names, const char *what, int64_t i) {
  if (names && names[i])
    snprintf(buf, n, "'%s' (%s %lld)", names[i], what, (long long)i + 1);
  else
    snprintf(buf, n, "%s %lld", what, (long long)i + 1);
}

/* Collective: find the first negative / infinite observed entry of view m, apply the negative
 * policy, then record the mask and zero the missing entries. */
static int setup_view(strata_nmf_t *p, int m, int negative, const strata_nmf_names_t *names) {
  int st = STRATA_OK;
  nmf_view_t *v = &p->v[m];
  strata_dmat_t *y = v->y;
  const strata_grid_t *g = p->grid;
  int64_t mloc = y->mloc, nloc = y->nloc;
  int64_t *rfill = NULL;
  const char *vname = names && names->views && names->views[m] ? names->views[m] : NULL;
  char vbuf[64];
  if (!vname) {
    snprintf(vbuf, sizeof vbuf, "%d", m + 1);
    vname = vbuf;
  }
  /* pass 1: first bad entry in global row-major order, minimum */
  int64_t key[2] = {INT64_MAX, INT64_MAX}; /* negative, infinite */
  double vmin = INFINITY;
  for (int64_t j = 0; j < nloc; j++)
    for (int64_t i = 0; i < mloc; i++) {
      if (!y->present[i]) continue;
      double a = y->a[i + j * mloc];
      if (isnan(a)) continue;
      int64_t kk = y->rows[i] * y->ncols + y->col0 + j;
      if (isinf(a) && kk < key[1]) key[1] = kk;
      if (a < 0.0 && kk < key[0]) key[0] = kk;
      if (a < vmin) vmin = a;
    }
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, key, 2, MPI_INT64_T, MPI_MIN, g->comm));
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &vmin, 1, MPI_DOUBLE, MPI_MIN, g->comm));
  for (int which = 1; which >= 0; which--) {
    if (key[which] == INT64_MAX || (which == 0 && negative != STRATA_NMF_NEG_ERROR)) continue;
    int mine = STRATA_OK;
    int64_t gi = key[which] / y->ncols, gj = key[which] % y->ncols;
    for (int64_t i = 0; i < mloc; i++)
      if (y->rows[i] == gi && gj >= y->col0 && gj < y->col0 + nloc) {
        char sb[320], fb[320];
        name_or_index(sb, sizeof sb, names ? names->obs : NULL, "row", gi);
        name_or_index(fb, sizeof fb, names && names->var ? names->var[m] : NULL, "column", gj);
        double a = y->a[i + (gj - y->col0) * mloc];
        if (which == 1)
          mine = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                                "view '%s': infinite value at sample %s, feature %s", vname, sb, fb);
        else
          mine = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                                "view '%s': negative value %g at sample %s, feature %s; NMF needs "
                                "non-negative data (use --negative shift or --negative clip)",
                                vname, a, sb, fb);
      }
    st = strata_agree(g->comm, mine);
    if (st) goto cleanup;
  }
  if (key[0] != INT64_MAX && negative == STRATA_NMF_NEG_SHIFT) {
    v->shift = vmin;
    for (int64_t j = 0; j < nloc; j++)
      for (int64_t i = 0; i < mloc; i++)
        if (y->present[i] && !isnan(y->a[i + j * mloc])) y->a[i + j * mloc] -= vmin;
    strata_log(g->comm, 1, "nmf: view '%s': subtracted its minimum %g (--negative shift)\n", vname,
               vmin);
  } else if (key[0] != INT64_MAX && negative == STRATA_NMF_NEG_CLIP) {
    for (int64_t j = 0; j < nloc; j++)
      for (int64_t i = 0; i < mloc; i++)
        if (y->present[i] && y->a[i + j * mloc] < 0.0) {
          y->a[i + j * mloc] = 0.0;
          v->clipped++;
        }
    STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &v->clipped, 1, MPI_INT64_T, MPI_SUM, g->comm));
    strata_log(g->comm, 1, "nmf: view '%s': set %lld negative values to 0 (--negative clip)\n",
               vname, (long long)v->clipped);
  }
  /* pass 2: mask.  Absent rows become 0 and are handled through present[]; NaN inside present
   * rows are listed by column (W update) and by row (H update). */
  STRATA_CALLOC(v->cptr, nloc + 1);
  STRATA_CALLOC(v->rptr, mloc + 1);
  for (int64_t j = 0; j < nloc; j++)
    for (int64_t i = 0; i < mloc; i++)
      if (y->present[i] && isnan(y->a[i + j * mloc])) {
        v->cptr[j + 1]++;
        v->rptr[i + 1]++;
      }
  for (int64_t j = 0; j < nloc; j++) v->cptr[j + 1] += v->cptr[j];
  for (int64_t i = 0; i < mloc; i++) v->rptr[i + 1] += v->rptr[i];
  v->nmiss = v->cptr[nloc];
  if (v->nmiss > INT32_MAX) STRATA_FAIL(STRATA_ERR_INPUT, "nmf: view '%s': too many NaN", vname);
  STRATA_MALLOC(v->crow, v->nmiss);
  STRATA_MALLOC(v->rcol, v->nmiss);
  STRATA_MALLOC(rfill, mloc);
  memcpy(rfill, v->rptr, sizeof(int64_t) * (size_t)mloc);
  double loc[2] = {0.0, 0.0};
  int64_t cnt[3] = {0, 0, 1}; /* nobs, nmiss (global max), all present (global min) */
  for (int64_t j = 0; j < nloc; j++) {
    int64_t q = v->cptr[j];
    for (int64_t i = 0; i < mloc; i++) {
      double *a = &y->a[i + j * mloc];
      if (!y->present[i]) {
        *a = 0.0;
      } else if (isnan(*a)) {
        v->crow[q++] = (int32_t)i;
        v->rcol[rfill[i]++] = (int32_t)j;
        *a = 0.0;
      } else {
        loc[0] += *a * *a;
        loc[1] += *a;
        cnt[0]++;
      }
    }
  }
  for (int64_t i = 0; i < mloc; i++) cnt[2] &= y->present[i] ? 1 : 0;
  cnt[1] = v->nmiss;
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, loc, 2, MPI_DOUBLE, MPI_SUM, g->comm));
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, cnt, 1, MPI_INT64_T, MPI_SUM, g->comm));
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, cnt + 1, 1, MPI_INT64_T, MPI_MAX, g->comm));
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, cnt + 2, 1, MPI_INT64_T, MPI_MIN, g->comm));
  v->ss = loc[0];
  v->sum = loc[1];
  v->nobs = cnt[0];
  v->has_nan = cnt[1] > 0;
  v->all_present = cnt[2] == 1;
cleanup:
  free(rfill);
  return st;
}

int strata_nmf_create(const strata_grid_t *grid, int nviews, strata_dmat_t *const *views,
                      const double *weights, int negative, const strata_nmf_names_t *names,
                      strata_nmf_t **out) {
  int st = STRATA_OK;
  strata_nmf_t *p = NULL;
  *out = NULL;
  if (nviews < 1) STRATA_FAIL(STRATA_ERR_USAGE, "nmf: no views");
  STRATA_CALLOC(p, 1);
  p->grid = grid;
  p->nviews = nviews;
  p->N = views[0]->nrows;
  p->mloc = views[0]->mloc;
  p->rows = views[0]->rows;
  p->all_present = 1;
  STRATA_CALLOC(p->v, nviews);
  for (int m = 0; m < nviews; m++) {
    const strata_dmat_t *y = views[m];
    if (y->grid != grid || y->nrows != p->N || y->mloc != p->mloc ||
        (p->mloc && memcmp(y->rows, p->rows, sizeof(int64_t) * (size_t)p->mloc)))
      STRATA_FAIL(STRATA_ERR_INTERNAL, "nmf: view %d is not on the same grid and samples", m + 1);
    double w = weights ? weights[m] : 1.0;
    if (!(w > 0.0) || !isfinite(w))
      STRATA_FAIL(STRATA_ERR_USAGE, "nmf: view weight %g of view %d must be positive", w, m + 1);
    p->v[m].y = views[m];
    p->v[m].weight = w;
  }
  st = strata_agree(grid->comm, st);
  if (st) goto cleanup;
  for (int m = 0; m < nviews; m++) {
    STRATA_CHECK(setup_view(p, m, negative, names));
    p->any_nan |= p->v[m].has_nan;
    p->all_present &= p->v[m].all_present;
  }
cleanup:
  st = strata_agree(grid->comm, st);
  if (st) strata_nmf_destroy(&p);
  *out = p;
  return st;
}

void strata_nmf_destroy(strata_nmf_t **pp) {
  if (!pp || !*pp) return;
  strata_nmf_t *p = *pp;
  for (int m = 0; m < p->nviews && p->v; m++) {
    nmf_view_t *v = &p->v[m];
    strata_dmat_t *y = v->y;
    if (y && v->cptr && v->crow) {
      for (int64_t j = 0; j < y->nloc; j++) {
        for (int64_t q = v->cptr[j]; q < v->cptr[j + 1]; q++) y->a[v->crow[q] + j * y->mloc] = NAN;
        for (int64_t i = 0; i < y->mloc; i++)
          if (!y->present[i]) y->a[i + j * y->mloc] = NAN;
      }
    }
    free(v->cptr);
    free(v->crow);
    free(v->rptr);
    free(v->rcol);
  }
  free(p->v);
  free(p);
  *pp = NULL;
}

/* ---- the solver state ------------------------------------------------------------------------ */

typedef struct nmf_state {
  int k, M;
  double *H;        /* [mloc*k] */
  double **W;       /* [M][nloc*k] */
  double *WtW;      /* [M*k*k] global Grams of the current W_m */
  double *HpHp;     /* [M*k*k] Gram of H over the samples present in view m (HtH if all) */
  double *trace;    /* [max_iter] */
  int64_t iter;
  int converged;
} nmf_state_t;

static void state_free(nmf_state_t *s) {
  free(s->H);
  if (s->W)
    for (int m = 0; m < s->M; m++) free(s->W[m]);
  free(s->W);
  free(s->WtW);
  free(s->HpHp);
  free(s->trace);
  memset(s, 0, sizeof *s);
}

/* Collective: WtW_m = W_m^T W_m summed over the grid row, plus two objective scalars per view
 * riding along (tr, q).  The same buffer layout is used after every iteration and after a
 * resume or an initialisation, so the reduction (and its rounding) is identical. */
static int reduce_wtw(const strata_nmf_t *p, nmf_state_t *s, double *buf, const double *tq) {
  int st = STRATA_OK;
  int k = s->k, M = s->M;
  size_t kk = (size_t)k * (size_t)k;
  for (int m = 0; m < M; m++) {
    gram(k, p->v[m].y->nloc, s->W[m], buf + m * kk);
    buf[M * kk + 2 * m] = tq ? tq[2 * m] : 0.0;
    buf[M * kk + 2 * m + 1] = tq ? tq[2 * m + 1] : 0.0;
  }
  STRATA_CHECK(allreduce_sum(buf, (int64_t)(M * kk + 2 * (size_t)M), p->grid->rowcomm));
  memcpy(s->WtW, buf, sizeof(double) * M * kk);
cleanup:
  return st;
}

/* Random initialisation: uniform entries from the counter-based RNG indexed by global sample /
 * feature, so every rank count draws the same numbers.  H ~ U(0,1); W_m is scaled so that
 * E[(H W_m^T)_ij] equals the mean of view m. */
static void init_random(const strata_nmf_t *p, nmf_state_t *s, uint64_t seed) {
  int k = s->k;
  for (int64_t i = 0; i < p->mloc; i++)
    for (int c = 0; c < k; c++)
      s->H[i * k + c] = strata_rng_uniform_at(seed, 1, (uint64_t)(p->rows[i] * k + c));
  for (int m = 0; m < s->M; m++) {
    const nmf_view_t *v = &p->v[m];
    double mean = v->nobs ? v->sum / (double)v->nobs : 1.0;
    double scale = 4.0 * (mean > 0.0 ? mean : 1.0) / k;
    for (int64_t j = 0; j < v->y->nloc; j++)
      for (int c = 0; c < k; c++)
        s->W[m][j * k + c] =
            scale * strata_rng_uniform_at(seed, 2 + (uint64_t)m, (uint64_t)((v->y->col0 + j) * k + c));
  }
}

/* ---- NNDSVD initialisation (Boutsidis & Gallopoulos 2008) on a randomized truncated SVD ------ */

static int64_t total_nloc(const strata_nmf_t *p) {
  int64_t n = 0;
  for (int m = 0; m < p->nviews; m++) n += p->v[m].y->nloc;
  return n;
}

/* Zt (l x mloc) = (A X)^T for A = [sqrt(l_1) Y_1, ..., sqrt(l_M) Y_M] and X given as Xt
 * (l x sum nloc, view blocks in order); local GEMMs reduced over the grid row. */
static int op_a(const strata_nmf_t *p, int l, const double *Xt, double *Zt) {
  int st = STRATA_OK;
  double *tmp = NULL;
  STRATA_MALLOC(tmp, (size_t)l * (size_t)(p->mloc ? p->mloc : 1));
  memset(Zt, 0, sizeof(double) * (size_t)l * (size_t)p->mloc);
  int64_t off = 0;
  for (int m = 0; m < p->nviews; m++) {
    const strata_dmat_t *y = p->v[m].y;
    prod_yx(p->mloc, y->nloc, l, sqrt(p->v[m].weight), Xt + off * l, y->a, Zt, tmp);
    off += y->nloc;
  }
  STRATA_CHECK(allreduce_sum(Zt, (int64_t)l * p->mloc, p->grid->rowcomm));
cleanup:
  free(tmp);
  return st;
}

/* Xt (l x sum nloc) = (A^T Z)^T, reduced over the grid column. */
static int op_at(const strata_nmf_t *p, int l, const double *Zt, double *Xt) {
  int st = STRATA_OK;
  double *tmp = NULL;
  STRATA_MALLOC(tmp, (size_t)l * (size_t)(p->mloc ? p->mloc : 1));
  int64_t off = 0;
  for (int m = 0; m < p->nviews; m++) {
    const strata_dmat_t *y = p->v[m].y;
    prod_ytz(p->mloc, y->nloc, l, sqrt(p->v[m].weight), Zt, y->a, Xt + off * l, tmp);
    off += y->nloc;
  }
  STRATA_CHECK(allreduce_sum(Xt, (int64_t)l * off, p->grid->colcomm));
cleanup:
  free(tmp);
  return st;
}

/* The shared range finder (solvers/la) sees A = [sqrt(l_m) Y_m] column-major; NMF keeps its
 * thin blocks transposed (l x n), so the products go through transposed copies (set-up only). */
typedef struct nmf_rop {
  const strata_nmf_t *p;
  uint64_t seed, stream0;
  int64_t nd;
  double *xt, *zt;  /* l x nd, l x mloc */
} nmf_rop_t;

static void transpose(int64_t rows, int l, const double *a, int64_t lda, double *at) {
  for (int64_t i = 0; i < rows; i++)
    for (int c = 0; c < l; c++) at[i * l + c] = a[i + c * lda];
}

static void untranspose(int64_t rows, int l, const double *at, double *a, int64_t lda) {
  for (int c = 0; c < l; c++)
    for (int64_t i = 0; i < rows; i++) a[i + c * lda] = at[i * l + c];
}

static int rop_apply(void *ctx, int l, const double *X, double *Y) {
  nmf_rop_t *r = ctx;
  transpose(r->nd, l, X, r->nd ? r->nd : 1, r->xt);
  int st = op_a(r->p, l, r->xt, r->zt);
  if (!st) untranspose(r->p->mloc, l, r->zt, Y, r->p->mloc ? r->p->mloc : 1);
  return st;
}

static int rop_apply_t(void *ctx, int l, const double *Z, double *X) {
  nmf_rop_t *r = ctx;
  transpose(r->p->mloc, l, Z, r->p->mloc ? r->p->mloc : 1, r->zt);
  int st = op_at(r->p, l, r->zt, r->xt);
  if (!st) untranspose(r->nd, l, r->xt, X, r->nd ? r->nd : 1);
  return st;
}

static void rop_omega(void *ctx, int l, double *X) {
  nmf_rop_t *r = ctx;
  int64_t off = 0;
  for (int m = 0; m < r->p->nviews; m++) {
    const strata_dmat_t *y = r->p->v[m].y;
    strata_la_omega_normal(r->seed, r->stream0 + (uint64_t)m, y->col0, y->nloc, l, X + off,
                           r->nd ? r->nd : 1);
    off += y->nloc;
  }
}

/* Randomized range finder (Halko, Martinsson & Tropp 2011) for A = [sqrt(l_m) Y_m]: on return
 * Zt (l x mloc) holds Q^T (orthonormal basis of the range of A, rows over samples) and Xt
 * (l x sum nloc) holds B = Q^T A.  The Gaussian test matrix comes from the counter RNG by global
 * feature index (streams stream0 + m), so every grid draws the same one. */
static int range_finder(const strata_nmf_t *p, int l, int power, uint64_t seed, uint64_t stream0,
                        double *Zt, double *Xt) {
  int st = STRATA_OK;
  int64_t nd = total_nloc(p), mloc = p->mloc;
  double *Q = NULL, *B = NULL;
  nmf_rop_t r = {p, seed, stream0, nd, Xt, Zt};
  STRATA_MALLOC(Q, (size_t)l * (mloc ? mloc : 1));
  STRATA_MALLOC(B, (size_t)l * (nd ? nd : 1));
  strata_la_op_t op = {p->grid, mloc, nd, &r, rop_apply, rop_apply_t, rop_omega};
  STRATA_CHECK(strata_la_range(&op, l, power, Q, B));
  transpose(mloc, l, Q, mloc ? mloc : 1, Zt);
  transpose(nd, l, B, nd ? nd : 1, Xt);
cleanup:
  free(Q);
  free(B);
  return st;
}

/* NNDSVD of A = [sqrt(l_m) Y_m]: a randomized SVD (Halko et al., l = k + 10 columns, two power
 * iterations, Gaussian test matrix from the counter RNG by global feature index), then the
 * positive/negative split of each singular pair.  fill_avg (NNDSVDa) replaces zeros by the
 * mean of the data so that multiplicative updates can move them.  With Qt_pre/B_pre (an l_pre
 * column range basis and B = Q^T A, as computed for --compress) the range finder is skipped. */
static int init_nndsvd(const strata_nmf_t *p, nmf_state_t *s, uint64_t seed, int fill_avg,
                       int l_pre, const double *Qt_pre, const double *B_pre) {
  int st = STRATA_OK;
  int k = s->k, M = s->M;
  const strata_grid_t *g = p->grid;
  int64_t nd = total_nloc(p), mloc = p->mloc;
  int l = k + 10;
  if (l > p->N) l = (int)(p->N > k ? p->N : k);
  double *Xo = NULL, *Zo = NULL, *S = NULL, *e = NULL, *work = NULL, *U = NULL, *V = NULL;
  double *nu = NULL, *nv = NULL;
  const double *Xt = B_pre, *Zt = Qt_pre;
  if (Qt_pre) {
    l = l_pre;
  } else {
    STRATA_MALLOC(Xo, (size_t)l * (nd ? nd : 1));
    STRATA_MALLOC(Zo, (size_t)l * (mloc ? mloc : 1));
    STRATA_CHECK(range_finder(p, l, 2, seed, 1000, Zo, Xo)); /* Xo is now B = Q^T A, l x D */
    Xt = Xo;
    Zt = Zo;
  }
  int64_t off = 0;
  STRATA_MALLOC(S, (size_t)l * l);
  STRATA_MALLOC(e, l);
  gram(l, nd, Xt, S);
  STRATA_CHECK(allreduce_sum(S, (int64_t)l * l, g->rowcomm));
  int lwork = -1, info = 0;
  double wq = 0.0;
  dsyev_("V", "U", &l, S, &l, e, &wq, &lwork, &info, 1, 1);
  lwork = (int)wq;
  STRATA_MALLOC(work, lwork);
  dsyev_("V", "U", &l, S, &l, e, work, &lwork, &info, 1, 1);
  if (info) STRATA_FAIL(STRATA_ERR_NUMERIC, "nmf: dsyev failed (info %d) in NNDSVD", info);
  /* leading k singular pairs: u_c = Q s_c, v_c = B^T s_c / sigma_c */
  STRATA_CALLOC(U, (size_t)k * (mloc ? mloc : 1));
  STRATA_CALLOC(V, (size_t)k * (nd ? nd : 1));
  STRATA_CALLOC(nu, 2 * k);
  STRATA_CALLOC(nv, 2 * k);
  double sig[512];
  for (int c = 0; c < k; c++) {
    int r = l - 1 - c;
    sig[c] = r >= 0 && e[r] > 0.0 ? sqrt(e[r]) : 0.0;
    if (r < 0) continue;
    const double *sv = S + (size_t)r * l;
    for (int64_t i = 0; i < mloc; i++) {
      double t = 0.0;
      for (int q = 0; q < l; q++) t += sv[q] * Zt[i * l + q];
      U[i * k + c] = t;
      nu[c] += t > 0.0 ? t * t : 0.0;
      nu[k + c] += t < 0.0 ? t * t : 0.0;
    }
    for (int64_t j = 0; j < nd; j++) {
      double t = 0.0;
      for (int q = 0; q < l; q++) t += sv[q] * Xt[j * l + q];
      t = sig[c] > 0.0 ? t / sig[c] : 0.0;
      V[j * k + c] = t;
      nv[c] += t > 0.0 ? t * t : 0.0;
      nv[k + c] += t < 0.0 ? t * t : 0.0;
    }
  }
  STRATA_CHECK(allreduce_sum(nu, 2 * k, g->colcomm));
  STRATA_CHECK(allreduce_sum(nv, 2 * k, g->rowcomm));
  double sum = 0.0, nobs = 0.0;
  for (int m = 0; m < M; m++) {
    sum += p->v[m].sum;
    nobs += (double)p->v[m].nobs;
  }
  double avg = nobs > 0 ? sum / nobs : 0.0;
  for (int c = 0; c < k; c++) {
    /* c = 0: the leading pair of a non-negative matrix is non-negative up to sign */
    double up = sqrt(nu[c]), un = sqrt(nu[k + c]), vp = sqrt(nv[c]), vn = sqrt(nv[k + c]);
    int pos = c == 0 || up * vp >= un * vn;
    double su = 1.0, sv = 1.0, lam = sig[c];
    if (c > 0) {
      double nuu = pos ? up : un, nvv = pos ? vp : vn;
      lam = sig[c] * nuu * nvv;
      su = nuu > 0.0 ? 1.0 / nuu : 0.0;
      sv = nvv > 0.0 ? 1.0 / nvv : 0.0;
    }
    double f = sqrt(lam);
    for (int64_t i = 0; i < mloc; i++) {
      double t = U[i * k + c];
      t = c == 0 ? fabs(t) : (pos ? (t > 0.0 ? t : 0.0) : (t < 0.0 ? -t : 0.0));
      s->H[i * k + c] = f * su * t;
    }
    off = 0;
    for (int m = 0; m < M; m++) {
      const strata_dmat_t *y = p->v[m].y;
      double iw = 1.0 / sqrt(p->v[m].weight);
      for (int64_t j = 0; j < y->nloc; j++) {
        double t = V[(off + j) * k + c];
        t = c == 0 ? fabs(t) : (pos ? (t > 0.0 ? t : 0.0) : (t < 0.0 ? -t : 0.0));
        s->W[m][j * k + c] = f * sv * t * iw;
      }
      off += y->nloc;
    }
  }
  if (fill_avg) {
    for (int64_t i = 0; i < mloc * k; i++)
      if (s->H[i] == 0.0) s->H[i] = avg;
    for (int m = 0; m < M; m++)
      for (int64_t j = 0; j < p->v[m].y->nloc * k; j++)
        if (s->W[m][j] == 0.0) s->W[m][j] = avg;
  }
cleanup:
  free(Xo);
  free(Zo);
  free(S);
  free(e);
  free(work);
  free(U);
  free(V);
  free(nu);
  free(nv);
  return st;
}

/* ---- checkpoint ------------------------------------------------------------------------------ */

#define NMF_HDR 9 /* iter, k, solver, M, N, converged, nprow, npcol, compress; then D_1..D_M */

static int ckpt_write(const strata_nmf_t *p, const strata_nmf_opts_t *o, const nmf_state_t *s) {
  int st = STRATA_OK;
  strata_state_t *c = NULL;
  int64_t *hdr = NULL;
  char name[32];
  STRATA_MALLOC(hdr, NMF_HDR + s->M);
  int64_t h[NMF_HDR] = {s->iter, s->k, o->solver, s->M, p->N, s->converged, p->grid->nprow,
                        p->grid->npcol, o->compress};
  memcpy(hdr, h, sizeof h);
  for (int m = 0; m < s->M; m++) hdr[NMF_HDR + m] = p->v[m].y->ncols;
  c = o->checkpoint;
  STRATA_CHECK(strata_state_begin_write(c, p->grid->comm, "nmf"));
  STRATA_CHECK(strata_state_put_rep_i64(c, "state", hdr, NMF_HDR + s->M));
  STRATA_CHECK(strata_state_put_rep(c, "objective", s->trace, s->iter));
  STRATA_CHECK(strata_state_put_rep(c, "wtw", s->WtW, (int64_t)s->M * s->k * s->k));
  STRATA_CHECK(strata_state_put_dist(c, "H", s->H, p->mloc * s->k));
  for (int m = 0; m < s->M; m++) {
    snprintf(name, sizeof name, "W%d", m);
    STRATA_CHECK(strata_state_put_dist(c, name, s->W[m], p->v[m].y->nloc * s->k));
  }
  STRATA_CHECK(strata_state_commit(c));
  strata_ev_checkpoint(o->ev, strata_state_name(o->checkpoint), s->iter);
  strata_log(p->grid->comm, 2, "nmf: checkpoint written to '%s' at iteration %lld\n", strata_state_name(o->checkpoint),
             (long long)s->iter);
cleanup:
  strata_state_end(c);
  free(hdr);
  return st;
}

static int ckpt_read(const strata_nmf_t *p, const strata_nmf_opts_t *o, nmf_state_t *s) {
  int st = STRATA_OK;
  strata_state_t *c = NULL;
  int64_t *hdr = NULL;
  char name[32];
  STRATA_MALLOC(hdr, NMF_HDR + s->M);
  c = o->resume;
  STRATA_CHECK(strata_state_begin_read(c, p->grid->comm, "nmf"));
  STRATA_CHECK(strata_state_get_rep_i64(c, "state", hdr, NMF_HDR + s->M));
  int same = hdr[1] == s->k && hdr[2] == o->solver && hdr[3] == s->M && hdr[4] == p->N &&
             hdr[6] == p->grid->nprow && hdr[7] == p->grid->npcol && hdr[8] == o->compress;
  for (int m = 0; m < s->M && same; m++) same = hdr[NMF_HDR + m] == p->v[m].y->ncols;
  if (!same)
    STRATA_FAIL(STRATA_ERR_INPUT,
                "%s: checkpoint is for k=%lld, solver %lld, compress %lld, %lld views, %lld "
                "samples on a %lldx%lld grid; this run has k=%d, solver %d, compress %d, %d views, "
                "%lld samples on %dx%d",
                strata_state_name(o->resume), (long long)hdr[1], (long long)hdr[2], (long long)hdr[8],
                (long long)hdr[3], (long long)hdr[4], (long long)hdr[6], (long long)hdr[7], s->k,
                o->solver, o->compress, s->M, (long long)p->N, p->grid->nprow, p->grid->npcol);
  if (hdr[0] < 0 || hdr[0] > o->max_iter)
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: checkpoint at iteration %lld is beyond --max-iter %lld",
                strata_state_name(o->resume), (long long)hdr[0], (long long)o->max_iter);
  s->iter = hdr[0];
  s->converged = (int)hdr[5];
  STRATA_CHECK(strata_state_get_rep(c, "objective", s->trace, s->iter));
  STRATA_CHECK(strata_state_get_rep(c, "wtw", s->WtW, (int64_t)s->M * s->k * s->k));
  STRATA_CHECK(strata_state_get_dist(c, "H", s->H, p->mloc * s->k));
  for (int m = 0; m < s->M; m++) {
    snprintf(name, sizeof name, "W%d", m);
    STRATA_CHECK(strata_state_get_dist(c, name, s->W[m], p->v[m].y->nloc * s->k));
  }
cleanup:
  strata_state_end(c);
  free(hdr);
  return st;
}

/* ---- the exact objective (chunked residual), used once at the end ---------------------------- */

static int exact_objective(const strata_nmf_t *p, const nmf_state_t *s, double *fit, double *tot) {
  int st = STRATA_OK;
  int k = s->k;
  int64_t mloc = p->mloc, chunk = 256;
  double *P = NULL, acc[2] = {0.0, 0.0};
  STRATA_MALLOC(P, (size_t)(mloc ? mloc : 1) * (size_t)chunk);
  for (int m = 0; m < s->M; m++) {
    const nmf_view_t *v = &p->v[m];
    const strata_dmat_t *y = v->y;
    double a = 0.0;
    for (int64_t j0 = 0; j0 < y->nloc; j0 += chunk) {
      int64_t nc = y->nloc - j0 < chunk ? y->nloc - j0 : chunk;
      gemm(CblasTrans, CblasNoTrans, mloc, nc, k, 1.0, s->H, k, s->W[m] + j0 * k, k, 0.0, P, mloc);
      for (int64_t jj = 0; jj < nc; jj++) {
        const double *yc = y->a + (j0 + jj) * mloc, *pc = P + jj * mloc;
        for (int64_t i = 0; i < mloc; i++)
          if (y->present[i]) a += (yc[i] - pc[i]) * (yc[i] - pc[i]);
        for (int64_t q = v->cptr[j0 + jj]; q < v->cptr[j0 + jj + 1]; q++)
          a -= pc[v->crow[q]] * pc[v->crow[q]];
      }
    }
    acc[0] += v->weight * a;
    acc[1] += v->weight * v->ss; /* ss is already global */
  }
  /* every entry lives on exactly one rank */
  STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, acc, 1, MPI_DOUBLE, MPI_SUM, p->grid->comm));
  *fit = acc[0];
  *tot = acc[1];
cleanup:
  free(P);
  return st;
}

/* ---- the iteration ------------------------------------------------------------------------- */

int strata_nmf_solve(strata_nmf_t *p, const strata_nmf_opts_t *o, strata_nmf_result_t **out) {
  int st = STRATA_OK;
  const strata_grid_t *g = p->grid;
  int k = o->k, M = p->nviews, solver = o->solver;
  int64_t mloc = p->mloc;
  size_t kk = (size_t)k * (size_t)k;
  nmf_state_t s = {0};
  strata_nmf_result_t *r = NULL;
  double *bufH = NULL, *bufC = NULL, *bufR = NULL, *G = NULL, *ws = NULL, *tq = NULL;
  int64_t *hp_off = NULL, *bw_off = NULL, *cw_off = NULL;
  int *iws = NULL;
  double *Qt = NULL, *Bc = NULL, *Tc = NULL, *ssc = NULL, *ktmp = NULL;
  int cl = o->compress, inner = o->inner > 0 ? o->inner : 1;
  *out = NULL;
  if (k < 1 || k > 512 || k > p->N)
    STRATA_FAIL(STRATA_ERR_USAGE, "nmf: k = %d must be in 1..min(512, samples = %lld)", k,
                (long long)p->N);
  if (solver < STRATA_NMF_HALS || solver > STRATA_NMF_MU || o->max_iter < 1 || !(o->tol >= 0.0))
    STRATA_FAIL(STRATA_ERR_USAGE, "nmf: bad solver, --max-iter or --tol");
  if (cl && (cl < k || cl > 4096))
    STRATA_FAIL(STRATA_ERR_USAGE, "nmf: --compress %d must be 0 or in k = %d .. 4096", cl, k);
  if (cl && (!p->all_present || p->any_nan))
    STRATA_FAIL(STRATA_ERR_USAGE, "nmf: --compress needs views without missing entries or absent "
                                  "samples (the compressed data cannot be masked)");
  s.k = k;
  s.M = M;
  STRATA_CALLOC(s.H, mloc * k);
  STRATA_CALLOC(s.W, M);
  for (int m = 0; m < M; m++) STRATA_CALLOC(s.W[m], p->v[m].y->nloc * k);
  STRATA_CALLOC(s.WtW, M * kk);
  STRATA_CALLOC(s.HpHp, M * kk);
  STRATA_CALLOC(s.trace, o->max_iter);
  STRATA_MALLOC(ktmp, (size_t)k * (size_t)(mloc ? mloc : 1));
  /* reduction buffers: over the grid row (H side) and the grid column (W side) */
  int64_t nH = k * mloc + (p->any_nan ? (int64_t)kk * mloc : 0);
  STRATA_CALLOC(hp_off, M);
  STRATA_CALLOC(bw_off, M);
  STRATA_CALLOC(cw_off, M);
  int64_t nC = (int64_t)kk;
  for (int m = 0; m < M; m++) {
    hp_off[m] = p->v[m].all_present ? 0 : nC;
    nC += p->v[m].all_present ? 0 : (int64_t)kk;
  }
  /* compressed mode: H^T Q (k x l) is reduced, then Y^T H ~ B^T (Q^T H) is formed locally */
  int64_t s_off = nC;
  nC += cl ? (int64_t)k * cl : 0;
  for (int m = 0; m < M; m++) {
    bw_off[m] = nC;
    nC += k * p->v[m].y->nloc;
  }
  for (int m = 0; m < M; m++) {
    cw_off[m] = nC;
    nC += p->v[m].has_nan ? (int64_t)kk * p->v[m].y->nloc : 0;
  }
  int64_t nCred = cl ? s_off + (int64_t)k * cl : nC; /* the part that is reduced */
  STRATA_CALLOC(bufH, nH);
  STRATA_CALLOC(bufC, nC);
  STRATA_CALLOC(bufR, M * kk + 2 * (size_t)M);
  STRATA_CALLOC(G, kk);
  STRATA_CALLOC(ws, 3 * k + kk);
  STRATA_CALLOC(iws, 2 * k);
  STRATA_CALLOC(tq, 2 * M);
  int64_t nd = total_nloc(p);
  if (cl) {
    STRATA_CALLOC(Qt, (int64_t)cl * mloc);
    STRATA_CALLOC(Bc, (int64_t)cl * nd);
    STRATA_CALLOC(Tc, (int64_t)k * cl);
    STRATA_CALLOC(ssc, M);
  }
  st = strata_agree(g->comm, st);
  if (st) goto cleanup;
  if (cl) {
    /* Randomized NMF (Erichson et al. 2018): iterate on B_m = Q^T Y_m, l x D_m, so that an
     * iteration costs O((N + D) l k) instead of O(N D k); the data are read 2 x (2 + 2) times
     * here and once more for the exact error at the end.  Deterministic, so a resume recomputes
     * the same Q and B. */
    STRATA_CHECK(range_finder(p, cl, 2, o->seed, 2000, Qt, Bc));
    /* the NNDSVD start comes from the same basis (one range finder instead of two) */
    if (!o->resume && o->init != STRATA_NMF_INIT_RANDOM)
      STRATA_CHECK(init_nndsvd(p, &s, o->seed, o->init == STRATA_NMF_INIT_NNDSVDA, cl, Qt, Bc));
    int64_t off = 0;
    for (int m = 0; m < M; m++) {
      int64_t n = (int64_t)cl * p->v[m].y->nloc;
      cblas_dscal((int)n, 1.0 / sqrt(p->v[m].weight), Bc + off * cl, 1);
      ssc[m] = n ? cblas_ddot((int)n, Bc + off * cl, 1, Bc + off * cl, 1) : 0.0;
      off += p->v[m].y->nloc;
    }
    STRATA_CHECK(allreduce_sum(ssc, M, g->rowcomm));
  }

  if (o->resume) {
    STRATA_CHECK(ckpt_read(p, o, &s));
    strata_log(g->comm, 1, "nmf: resumed from '%s' at iteration %lld\n", strata_state_name(o->resume),
               (long long)s.iter);
  } else {
    if (o->init == STRATA_NMF_INIT_RANDOM)
      init_random(p, &s, o->seed);
    else if (!cl)
      STRATA_CHECK(init_nndsvd(p, &s, o->seed, o->init == STRATA_NMF_INIT_NNDSVDA, 0, NULL, NULL));
    STRATA_CHECK(reduce_wtw(p, &s, bufR, NULL));
  }

  double t_start = strata_wtime(), c_start = (double)clock() / CLOCKS_PER_SEC;
  const char *phase = o->phase ? o->phase : "nmf";
  strata_ev_phase_begin(o->ev, phase, o->max_iter);
  int simpleH = p->all_present && !p->any_nan;
  while (!s.converged && s.iter < o->max_iter) {
    double t0 = strata_wtime(), tcomm = 0.0;
    /* H step: b_i = sum_m l_m (Y_m W_m)_i over the grid row; G_i from the W Grams */
    double *BH = bufH, *CH = bufH + k * mloc;
    if (cl) {
      /* (Y W)^T ~ (sum_m l_m W_m^T B_m^T) Q^T: only k x l travels */
      memset(Tc, 0, sizeof(double) * (size_t)k * cl);
      int64_t off = 0;
      for (int m = 0; m < M; m++) {
        gemm(CblasNoTrans, CblasTrans, k, cl, p->v[m].y->nloc, p->v[m].weight, s.W[m], k,
             Bc + off * cl, cl, 1.0, Tc, k);
        off += p->v[m].y->nloc;
      }
      double tc0 = strata_wtime();
      STRATA_CHECK(allreduce_sum(Tc, (int64_t)k * cl, g->rowcomm));
      tcomm += strata_wtime() - tc0;
      gemm(CblasNoTrans, CblasNoTrans, k, mloc, cl, 1.0, Tc, k, Qt, cl, 0.0, BH, k);
    } else {
      memset(bufH, 0, sizeof(double) * (size_t)nH);
      for (int m = 0; m < M; m++) {
        const nmf_view_t *v = &p->v[m];
        prod_yx(mloc, v->y->nloc, k, v->weight, s.W[m], v->y->a, BH, ktmp);
        if (v->has_nan)
          for (int64_t i = 0; i < mloc; i++)
            for (int64_t q = v->rptr[i]; q < v->rptr[i + 1]; q++)
              outer_add(k, v->weight, s.W[m] + (int64_t)v->rcol[q] * k, CH + i * kk);
      }
      double tc0 = strata_wtime();
      STRATA_CHECK(allreduce_sum(bufH, nH, g->rowcomm));
      tcomm += strata_wtime() - tc0;
    }
    if (simpleH) {
      memset(G, 0, sizeof(double) * kk);
      for (int m = 0; m < M; m++) cblas_daxpy((int)kk, p->v[m].weight, s.WtW + m * kk, 1, G, 1);
      for (int64_t i = 0; i < mloc; i++) update_row(solver, inner, k, G, BH + i * k, s.H + i * k, ws, iws);
    } else {
      for (int64_t i = 0; i < mloc; i++) {
        memset(G, 0, sizeof(double) * kk);
        for (int m = 0; m < M; m++)
          if (p->v[m].y->present[i])
            cblas_daxpy((int)kk, p->v[m].weight, s.WtW + m * kk, 1, G, 1);
        if (p->any_nan) cblas_daxpy((int)kk, -1.0, CH + i * kk, 1, G, 1);
        update_row(solver, inner, k, G, BH + i * k, s.H + i * k, ws, iws);
      }
    }
    /* W step: Grams of H over the (present) samples and b_j = (Y_m^T H)_j over the grid column */
    gram(k, mloc, s.H, bufC);
    for (int m = 0; m < M; m++) {
      const nmf_view_t *v = &p->v[m];
      if (!v->all_present) {
        double *hp = bufC + hp_off[m];
        memset(hp, 0, sizeof(double) * kk);
        for (int64_t i = 0; i < mloc; i++)
          if (v->y->present[i]) outer_add(k, 1.0, s.H + i * k, hp);
      }
      if (!cl) prod_ytz(mloc, v->y->nloc, k, 1.0, s.H, v->y->a, bufC + bw_off[m], ktmp);
      if (v->has_nan) {
        double *cw = bufC + cw_off[m];
        memset(cw, 0, sizeof(double) * kk * (size_t)v->y->nloc);
        for (int64_t j = 0; j < v->y->nloc; j++)
          for (int64_t q = v->cptr[j]; q < v->cptr[j + 1]; q++)
            outer_add(k, 1.0, s.H + (int64_t)v->crow[q] * k, cw + j * kk);
      }
    }
    if (cl) gemm(CblasNoTrans, CblasTrans, k, cl, mloc, 1.0, s.H, k, Qt, cl, 0.0, bufC + s_off, k);
    double tc = strata_wtime();
    STRATA_CHECK(allreduce_sum(bufC, nCred, g->colcomm));
    tcomm += strata_wtime() - tc;
    if (cl) {
      int64_t off = 0;
      for (int m = 0; m < M; m++) {
        gemm(CblasNoTrans, CblasNoTrans, k, p->v[m].y->nloc, cl, 1.0, bufC + s_off, k,
             Bc + off * cl, cl, 0.0, bufC + bw_off[m], k);
        off += p->v[m].y->nloc;
      }
    }
    for (int m = 0; m < M; m++) {
      const nmf_view_t *v = &p->v[m];
      const double *Gm = bufC + (v->all_present ? 0 : hp_off[m]);
      memcpy(s.HpHp + m * kk, Gm, sizeof(double) * kk);
      double trm = 0.0, qm = 0.0;
      for (int64_t j = 0; j < v->y->nloc; j++) {
        const double *b = bufC + bw_off[m] + j * k;
        double *w = s.W[m] + j * k;
        const double *Gj = Gm;
        if (v->has_nan) {
          const double *cj = bufC + cw_off[m] + j * kk;
          for (size_t q = 0; q < kk; q++) G[q] = Gm[q] - cj[q];
          Gj = G;
        }
        update_row(solver, inner, k, Gj, b, w, ws, iws);
        for (int c = 0; c < k; c++) trm += w[c] * b[c];
        if (v->has_nan) {
          const double *cj = bufC + cw_off[m] + j * kk;
          for (int c = 0; c < k; c++)
            for (int d = 0; d < k; d++) qm += w[c] * cj[c + d * k] * w[d];
        }
      }
      tq[2 * m] = trm;
      tq[2 * m + 1] = qm;
    }
    tc = strata_wtime();
    STRATA_CHECK(reduce_wtw(p, &s, bufR, tq));
    tcomm += strata_wtime() - tc;
    /* f = sum_m l_m (||Y_m||^2 - 2 <W_m, Y_m^T H> + sum_j w_j^T G_j w_j) */
    double f = 0.0;
    for (int m = 0; m < M; m++) {
      double quad = cblas_ddot((int)kk, s.WtW + m * kk, 1, s.HpHp + m * kk, 1);
      /* compressed: the objective of Q B_m, whose squared norm is ||B_m||^2 */
      double ss = cl ? ssc[m] : p->v[m].ss;
      f += p->v[m].weight * (ss - 2.0 * bufR[M * kk + 2 * m] + quad - bufR[M * kk + 2 * m + 1]);
    }
    s.trace[s.iter] = f;
    s.iter++;
    double rel = NAN;
    if (s.iter > 1) {
      double fp = s.trace[s.iter - 2];
      rel = fabs(fp - f) / (fabs(fp) > DBL_MIN ? fabs(fp) : DBL_MIN);
      if (o->tol > 0.0 && rel < o->tol) s.converged = 1;
    }
    if (f <= 0.0) s.converged = 1; /* exact fit within rounding */
    double tall = strata_wtime() - t0;
    strata_ev_iteration(o->ev, phase, s.iter, o->max_iter, f, rel, tall - tcomm, tcomm);
    /* every replica computed the same f; agreeing anyway makes a stop decision that differs in
     * the last bit on some rank (it cannot, but a hang is the price if it did) impossible */
    STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &s.converged, 1, MPI_INT, MPI_MIN, g->comm));
    int sig = strata_signal_pending(g->comm);
    if (o->checkpoint && (sig || (o->checkpoint_every > 0 && s.iter % o->checkpoint_every == 0)))
      STRATA_CHECK(ckpt_write(p, o, &s));
    if (sig) {
      if (o->checkpoint)
        STRATA_FAIL(STRATA_INTERRUPTED,
                    "stopped by a signal at iteration %lld; checkpoint written to '%s' "
                    "(continue with --resume %s)",
                    (long long)s.iter, strata_state_name(o->checkpoint), strata_state_name(o->checkpoint));
      STRATA_FAIL(STRATA_INTERRUPTED, "stopped by a signal at iteration %lld (no checkpoint path)",
                  (long long)s.iter);
    }
  }
  strata_ev_phase_end(o->ev, phase);
  double seconds = strata_wtime() - t_start;
  double cpu_seconds = (double)clock() / CLOCKS_PER_SEC - c_start;

  /* result: exact relative error, then scale columns so that sum_m l_m ||W_m[:,c]||^2 = 1 */
  STRATA_CALLOC(r, 1);
  r->k = k;
  r->nviews = M;
  r->nrows = p->N;
  r->mloc = mloc;
  r->iterations = s.iter;
  r->converged = s.converged;
  r->seconds = seconds;
  r->cpu_seconds = cpu_seconds;
  double fit = 0.0, tot = 0.0;
  STRATA_CHECK(exact_objective(p, &s, &fit, &tot));
  r->rel_error = tot > 0.0 ? sqrt(fmax(fit, 0.0) / tot) : 0.0;
  for (int c = 0; c < k; c++) {
    double nrm = 0.0;
    for (int m = 0; m < M; m++) nrm += p->v[m].weight * s.WtW[m * kk + (size_t)c * (k + 1)];
    nrm = sqrt(nrm);
    if (!(nrm > 0.0)) continue;
    for (int64_t i = 0; i < mloc; i++) s.H[i * k + c] *= nrm;
    for (int m = 0; m < M; m++)
      for (int64_t j = 0; j < p->v[m].y->nloc; j++) s.W[m][j * k + c] /= nrm;
  }
  STRATA_MALLOC(r->rows, mloc);
  memcpy(r->rows, p->rows, sizeof(int64_t) * (size_t)mloc);
  STRATA_MALLOC(r->ncols, M);
  STRATA_MALLOC(r->nloc, M);
  STRATA_MALLOC(r->col0, M);
  for (int m = 0; m < M; m++) {
    r->ncols[m] = p->v[m].y->ncols;
    r->nloc[m] = p->v[m].y->nloc;
    r->col0[m] = p->v[m].y->col0;
  }
  r->H = s.H;
  s.H = NULL;
  r->W = s.W;
  s.W = NULL;
  r->objective = s.trace;
  s.trace = NULL;
cleanup:
  if (st == STRATA_OK) st = strata_agree(g->comm, st);
  if (st) strata_nmf_result_destroy(&r);
  *out = r;
  state_free(&s);
  free(ktmp);
  free(bufH);
  free(bufC);
  free(bufR);
  free(G);
  free(ws);
  free(iws);
  free(tq);
  free(hp_off);
  free(bw_off);
  free(cw_off);
  free(Qt);
  free(Bc);
  free(Tc);
  free(ssc);
  return st;
}

void strata_nmf_result_destroy(strata_nmf_result_t **rp) {
  if (!rp || !*rp) return;
  strata_nmf_result_t *r = *rp;
  free(r->H);
  if (r->W)
    for (int m = 0; m < r->nviews; m++) free(r->W[m]);
  free(r->W);
  free(r->rows);
  free(r->ncols);
  free(r->nloc);
  free(r->col0);
  free(r->objective);
  free(r);
  *rp = NULL;
}

/* ---- gathering the (small) factors --------------------------------------------------------- */

int strata_nmf_assign(const strata_nmf_result_t *r, const strata_grid_t *grid, int64_t *labels) {
  int st = STRATA_OK;
  int k = r->k;
  /* every sample lives in exactly one grid row; grid column 0 contributes it once */
  for (int64_t i = 0; i < r->nrows; i++) labels[i] = 0;
  if (grid->mycol == 0)
    for (int64_t i = 0; i < r->mloc; i++) {
      int best = -1;
      double bv = 0.0;
      for (int c = 0; c < k; c++)
        if (r->H[i * k + c] > bv) {
          bv = r->H[i * k + c];
          best = c;
        }
      labels[r->rows[i]] = best + 1; /* shifted so that "no rank wrote it" (0) stays distinct */
    }
  for (int64_t off = 0; off < r->nrows; off += 1 << 28) {
    int cnt = (int)(r->nrows - off < (1 << 28) ? r->nrows - off : (1 << 28));
    STRATA_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, labels + off, cnt, MPI_INT64_T, MPI_SUM, grid->comm));
  }
  for (int64_t i = 0; i < r->nrows; i++) labels[i] -= 1;
cleanup:
  return st;
}

static int reduce_to_root(double *buf, int64_t n, int root, const strata_grid_t *grid) {
  int st = STRATA_OK;
  for (int64_t off = 0; off < n; off += (int64_t)1 << 28) {
    int cnt = (int)(n - off < ((int64_t)1 << 28) ? n - off : ((int64_t)1 << 28));
    if (grid->rank == root)
      STRATA_MPI_CHECK(MPI_Reduce(MPI_IN_PLACE, buf + off, cnt, MPI_DOUBLE, MPI_SUM, root, grid->comm));
    else
      STRATA_MPI_CHECK(MPI_Reduce(buf + off, NULL, cnt, MPI_DOUBLE, MPI_SUM, root, grid->comm));
  }
cleanup:
  return st;
}

int strata_nmf_gather_h(const strata_nmf_result_t *r, const strata_grid_t *grid, int root,
                        double **out) {
  int st = STRATA_OK;
  int k = r->k;
  double *buf = NULL;
  *out = NULL;
  STRATA_CALLOC(buf, r->nrows * k);
  if (grid->mycol == 0)
    for (int64_t i = 0; i < r->mloc; i++)
      memcpy(buf + r->rows[i] * k, r->H + i * k, sizeof(double) * (size_t)k);
  STRATA_CHECK(reduce_to_root(buf, r->nrows * k, root, grid));
cleanup:
  if (st == STRATA_OK && grid->rank == root) {
    *out = buf;
    buf = NULL;
  }
  free(buf);
  return st;
}

int strata_nmf_gather_w(const strata_nmf_result_t *r, const strata_grid_t *grid, int m, int root,
                        double **out) {
  int st = STRATA_OK;
  int k = r->k;
  double *buf = NULL;
  *out = NULL;
  STRATA_CALLOC(buf, r->ncols[m] * k);
  if (grid->myrow == 0)
    memcpy(buf + r->col0[m] * k, r->W[m], sizeof(double) * (size_t)(r->nloc[m] * k));
  STRATA_CHECK(reduce_to_root(buf, r->ncols[m] * k, root, grid));
cleanup:
  if (st == STRATA_OK && grid->rank == root) {
    *out = buf;
    buf = NULL;
  }
  free(buf);
  return st;
}
