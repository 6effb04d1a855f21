/* The starts of NMF: random (counter RNG by global index) and NNDSVD / NNDSVDa (Boutsidis &
 * Gallopoulos 2008) on a randomized truncated SVD, through the adapter that lets the shared
 * range finder (solvers/la/range.c) apply the weighted joint matrix [sqrt(l_m) Y_m] in NMF's
 * transposed layouts.  Not the compressed problem built on the same range (solve.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mpi/scalapack_proto.h"
#include "solvers/la/la.h"
#include "solvers/nmf/nmf_impl.h"
#include "strata/rng.h"
#include "strata/util.h"

/* Random initialisation: uniform entries from the counter-based RNG indexed by global sample /
 * feature, so every rank count draws the same numbers.  H ~ U(0,1); W_m is scaled so that
 * E[(H W_m^T)_ij] equals the mean of view m. */
void nmf_init_random(const strata_nmf_t *p, nmf_state_t *s, uint64_t seed) {
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

int64_t nmf_total_nloc(const strata_nmf_t *p) {
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
    nmf_prod_yx(p->mloc, y->nloc, l, sqrt(p->v[m].weight), Xt + off * l, y->a, Zt, tmp);
    off += y->nloc;
  }
  STRATA_CHECK(nmf_allreduce_sum(Zt, (int64_t)l * p->mloc, p->grid->rowcomm));
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
    nmf_prod_ytz(p->mloc, y->nloc, l, sqrt(p->v[m].weight), Zt, y->a, Xt + off * l, tmp);
    off += y->nloc;
  }
  STRATA_CHECK(nmf_allreduce_sum(Xt, (int64_t)l * off, p->grid->colcomm));
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
int nmf_range_finder(const strata_nmf_t *p, int l, int power, uint64_t seed, uint64_t stream0,
                     double *Zt, double *Xt) {
  int st = STRATA_OK;
  int64_t nd = nmf_total_nloc(p), mloc = p->mloc;
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

/* NNDSVD's positive/negative split of the leading k singular pairs (sig, U: k x mloc, V: k x
 * sum nloc, nu/nv: the global squared norms of their positive and negative parts) into H and
 * W_m (divided by sqrt(l_m), undoing the weighting of A); with fill_avg the zeros become the
 * mean of the data. */
static void nndsvd_split(const strata_nmf_t *p, nmf_state_t *s, const double *sig,
                         const double *U, const double *V, const double *nu, const double *nv,
                         int fill_avg) {
  int k = s->k, M = s->M;
  int64_t mloc = p->mloc;
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
    int64_t off = 0;
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
}

/* NNDSVD of A = [sqrt(l_m) Y_m]: a randomized SVD (Halko et al., l = k + 10 columns, two power
 * iterations, Gaussian test matrix from the counter RNG by global feature index), then the
 * positive/negative split of each singular pair.  fill_avg (NNDSVDa) replaces zeros by the
 * mean of the data so that multiplicative updates can move them.  With Qt_pre/B_pre (an l_pre
 * column range basis and B = Q^T A, as computed for --compress) the range finder is skipped. */
int nmf_init_nndsvd(const strata_nmf_t *p, nmf_state_t *s, uint64_t seed, int fill_avg,
                    int l_pre, const double *Qt_pre, const double *B_pre) {
  int st = STRATA_OK;
  int k = s->k;
  const strata_grid_t *g = p->grid;
  int64_t nd = nmf_total_nloc(p), mloc = p->mloc;
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
    STRATA_CHECK(nmf_range_finder(p, l, 2, seed, 1000, Zo, Xo)); /* Xo is now B = Q^T A, l x D */
    Xt = Xo;
    Zt = Zo;
  }
  STRATA_MALLOC(S, (size_t)l * l);
  STRATA_MALLOC(e, l);
  nmf_gram(l, nd, Xt, S);
  STRATA_CHECK(nmf_allreduce_sum(S, (int64_t)l * l, g->rowcomm));
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
  STRATA_CHECK(nmf_allreduce_sum(nu, 2 * k, g->colcomm));
  STRATA_CHECK(nmf_allreduce_sum(nv, 2 * k, g->rowcomm));
  nndsvd_split(p, s, sig, U, V, nu, nv, fill_avg);
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
