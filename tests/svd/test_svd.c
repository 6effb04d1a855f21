/* Distributed SVD/PCA (solvers/svd*.c) against LAPACK dgesdd on the same matrix formed
 * explicitly on rank 0 (centred, scaled, imputed or concatenated by hand), on every grid shape
 * the rank count allows, and against the same solver on a 1 x 1 grid on rank 0 (the np-1
 * answer) to 1e-10.  Also: implicit vs explicit centring, MFA weights on a hand-built two-view
 * case with a closed-form answer, samples lacking a view, mean imputation, soft-impute on a
 * planted low-rank matrix.  Usage: test_svd [exact|randomized|gram|all]. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mpi/scalapack_proto.h"
#include "solvers/la/la.h"
#include "solvers/svd/svd_impl.h"
#include "strata/dmat.h"
#include "strata/grid.h"
#include "strata/partition.h"
#include "strata/rng.h"
#include "strata/svd.h"

static int g_rank, g_size;

/* A low-rank-plus-noise N x D matrix with a decaying spectrum and nonzero feature means. */
static double *make_matrix(int64_t N, int64_t D, uint64_t seed, double decay, int rank) {
  double *A = calloc((size_t)(N * D), sizeof(double));
  for (int r = 0; r < rank; r++) {
    double sr = 10.0 * pow(decay, r);
    for (int64_t j = 0; j < D; j++) {
      double vj = strata_rng_normal_at(seed, 2 * r + 1, (uint64_t)j);
      for (int64_t i = 0; i < N; i++) A[j * N + i] += sr * strata_rng_normal_at(seed, 2 * r, (uint64_t)i) * vj;
    }
  }
  for (int64_t j = 0; j < D; j++)
    for (int64_t i = 0; i < N; i++) A[j * N + i] += 3.0 + 0.1 * (double)j / (double)D;
  return A;
}

/* Patients: 3 samples each, interleaved so a part's rows are not a contiguous range. */
static strata_partition_t *make_part(int64_t N, int nparts) {
  int32_t *pat = malloc((size_t)N * sizeof(int32_t));
  int64_t np = (N + 2) / 3;
  for (int64_t i = 0; i < N; i++) pat[i] = (int32_t)((i * 5) % np);
  strata_partition_t *p = NULL;
  if (strata_partition_patients(N, pat, np, NULL, nparts, &p)) p = NULL;
  free(pat);
  return p;
}

static strata_dmat_t *make_view(const strata_grid_t *g, const strata_partition_t *part, int64_t N,
                                int64_t D, const double *full, const unsigned char *present) {
  strata_dmat_t *m = NULL;
  if (strata_dmat_create(g, part, D, &m)) return NULL;
  if (strata_dmat_scatter_replicated(m, full)) return NULL;
  if (present)
    for (int64_t i = 0; i < m->mloc; i++) {
      m->present[i] = present[m->rows[i]];
      if (!m->present[i])
        for (int64_t j = 0; j < m->nloc; j++) m->a[j * m->mloc + i] = NAN;
    }
  return m;
}

/* Reference: dgesdd of the explicit N x D matrix (destroyed), top k. */
static int ref_svd(int64_t N, int64_t D, double *A, int k, double *s, double *U, double *V) {
  int m = (int)N, n = (int)D, mn = m < n ? m : n, info = 0, lwork = -1;
  double *ss = malloc((size_t)mn * sizeof(double)), *UU = malloc((size_t)m * mn * sizeof(double));
  double *VT = malloc((size_t)mn * n * sizeof(double)), wq;
  int *iw = malloc((size_t)8 * mn * sizeof(int));
  dgesdd_("S", &m, &n, A, &m, ss, UU, &m, VT, &mn, &wq, &lwork, iw, &info, 1);
  lwork = (int)wq + 1;
  double *work = malloc((size_t)lwork * sizeof(double));
  dgesdd_("S", &m, &n, A, &m, ss, UU, &m, VT, &mn, work, &lwork, iw, &info, 1);
  for (int c = 0; c < k; c++) {
    s[c] = ss[c];
    for (int64_t i = 0; i < N; i++) U[c * N + i] = UU[(int64_t)c * m + i];
    for (int64_t j = 0; j < D; j++) V[c * D + j] = VT[(int64_t)j * mn + c];
  }
  free(ss); free(UU); free(VT); free(iw); free(work);
  return info;
}

/* sin of the largest principal angle between span(Q) and span(Qref) (both n x k, orthonormal),
 * bounded above by ||Q - Qref Qref^T Q||_F. */
static double subspace_sin(int64_t n, int k, const double *Qref, const double *Q) {
  double tot = 0;
  double *c = calloc((size_t)k * k, sizeof(double));
  for (int a = 0; a < k; a++)
    for (int b = 0; b < k; b++)
      for (int64_t i = 0; i < n; i++) c[b * k + a] += Qref[a * n + i] * Q[b * n + i];
  for (int b = 0; b < k; b++)
    for (int64_t i = 0; i < n; i++) {
      double r = Q[b * n + i];
      for (int a = 0; a < k; a++) r -= Qref[a * n + i] * c[b * k + a];
      tot += r * r;
    }
  free(c);
  return sqrt(tot);
}

/* Explicit centring (means over the present rows' observed entries), scaling and weighting of
 * a view into columns [off, off+D) of the N x Dtot matrix J; absent rows are zero. */
static void explicit_view(int64_t N, int64_t D, const double *A, const unsigned char *present,
                          int center, int scale, double w, double *J, int64_t off) {
  for (int64_t j = 0; j < D; j++) {
    double s = 0, n = 0, ss = 0;
    for (int64_t i = 0; i < N; i++)
      if ((!present || present[i]) && !isnan(A[j * N + i])) { s += A[j * N + i]; n++; }
    double mu = n > 0 ? s / n : 0;
    for (int64_t i = 0; i < N; i++)
      if ((!present || present[i]) && !isnan(A[j * N + i])) ss += (A[j * N + i] - mu) * (A[j * N + i] - mu);
    double sd = n > 1 ? sqrt(ss / (n - 1)) : 0;
    double f = w * (scale && sd > 0 ? 1.0 / sd : 1.0);
    for (int64_t i = 0; i < N; i++) {
      double y = A[j * N + i];
      if (present && !present[i]) y = center ? mu : 0.0;
      else if (isnan(y)) y = mu;
      J[(off + j) * N + i] = (y - (center ? mu : 0.0)) * f;
    }
  }
}

/* Flip reference components to the solver's sign convention (largest |U| entry positive). */
static void ref_flip(int64_t N, int64_t D, int k, double *U, double *V) {
  for (int c = 0; c < k; c++) {
    int64_t bi = 0;
    for (int64_t i = 1; i < N; i++) if (fabs(U[c * N + i]) > fabs(U[c * N + bi])) bi = i;
    if (U[c * N + bi] < 0) {
      for (int64_t i = 0; i < N; i++) U[c * N + i] = -U[c * N + i];
      for (int64_t j = 0; j < D; j++) V[c * D + j] = -V[c * D + j];
    }
  }
}

typedef struct gathered {
  double *s, *U, **V;
  int k, nviews;
} gathered_t;

static void gathered_free(gathered_t *g) {
  if (g->V) for (int m = 0; m < g->nviews; m++) free(g->V[m]);
  free(g->V); free(g->U); free(g->s);
  memset(g, 0, sizeof *g);
}

/* Run the solver on views built from `full[m]` on grid g; gather to rank 0 of g. */
static int run_solver(const strata_grid_t *g, int64_t N, int nviews, const int64_t *D,
                      double *const *full, const unsigned char *const *present,
                      const strata_svd_opts_t *o, gathered_t *out, strata_svd_result_t **keep,
                      strata_dmat_t ***keep_views) {
  strata_partition_t *part = make_part(N, g->nprow);
  strata_dmat_t **v = calloc((size_t)nviews, sizeof *v);
  strata_svd_result_t *r = NULL;
  memset(out, 0, sizeof *out);
  for (int m = 0; m < nviews; m++) v[m] = make_view(g, part, N, D[m], full[m], present ? present[m] : NULL);
  int st = strata_svd_compute(nviews, v, o, &r);
  if (!st) {
    out->k = o->k;
    out->nviews = nviews;
    if (g->rank == 0) {
      out->s = malloc((size_t)o->k * sizeof(double));
      memcpy(out->s, r->s, (size_t)o->k * sizeof(double));
    }
    st = strata_svd_gather(r, v, 0, &out->U, &out->V);
  }
  if (keep && !st) *keep = r; else strata_svd_result_destroy(&r);
  if (keep_views && !st) *keep_views = v;
  else {
    for (int m = 0; m < nviews; m++) strata_dmat_destroy(&v[m]);
    free(v);
  }
  strata_partition_destroy(&part);
  return st;
}

static const char *mname(int m) { return strata_svd_method_name(m); }

/* Method `method` on one view, PCA, against dgesdd of the explicitly centred matrix, on every
 * grid shape; and against the 1 x 1 grid on rank 0. */
static void test_vs_lapack(int method, int scale, double decay, double tol_s, double tol_angle) {
  int64_t N = 37, D = 53;
  int k = 5;
  double *A = make_matrix(N, D, 7, decay, 30);
  strata_svd_opts_t o;
  strata_svd_opts_default(&o);
  o.k = k; o.method = method; o.scale = scale; o.nb = 8; o.power_iters = 2; o.oversample = 10;
  double rs[8], *RU = NULL, *RV = NULL;
  if (g_rank == 0) {
    double *J = malloc((size_t)(N * D) * sizeof(double));
    RU = malloc((size_t)(N * k) * sizeof(double));
    RV = malloc((size_t)(D * k) * sizeof(double));
    explicit_view(N, D, A, NULL, 1, scale, 1.0, J, 0);
    T_CHECK(ref_svd(N, D, J, k, rs, RU, RV) == 0, "dgesdd");
    ref_flip(N, D, k, RU, RV);
    free(J);
  }
  /* the np-1 answer: the same solver on a 1 x 1 grid on rank 0 */
  gathered_t one = {0};
  if (g_rank == 0) {
    strata_grid_t *g1 = NULL;
    T_CHECK(strata_grid_create(MPI_COMM_SELF, 1, 1, N, D, 0, &g1) == 0, "grid 1x1");
    double *Ac = malloc((size_t)(N * D) * sizeof(double));
    memcpy(Ac, A, (size_t)(N * D) * sizeof(double));
    T_CHECK(run_solver(g1, N, 1, &D, &Ac, NULL, &o, &one, NULL, NULL) == 0, "np-1 solve %s", mname(method));
    free(Ac);
    strata_grid_destroy(&g1);
  }
  /* every grid shape this rank count allows among 1xP, Px1, 2x(P/2) */
  int shapes[3][2] = {{1, g_size}, {g_size, 1}, {2, g_size / 2}}, nsh = 1;
  if (g_size > 1) nsh = 2;
  if (g_size > 2 && g_size % 2 == 0) nsh = 3;
  for (int sh = 0; sh < nsh; sh++) {
    int pr = shapes[sh][0], pc = shapes[sh][1];
    strata_grid_t *g = NULL;
    if (strata_grid_create(MPI_COMM_WORLD, pr, pc, N, D, 0, &g)) { T_CHECK(0, "grid %dx%d", pr, pc); continue; }
    gathered_t res;
    double *Ac = malloc((size_t)(N * D) * sizeof(double));
    memcpy(Ac, A, (size_t)(N * D) * sizeof(double));
    int st = run_solver(g, N, 1, &D, &Ac, NULL, &o, &res, NULL, NULL);
    T_CHECK(st == 0, "%s solve on %dx%d: %s", mname(method), pr, pc, strata_err_msg());
    if (!st && g->rank == 0) {
      double emax = 0, dmax = 0;
      for (int c = 0; c < k; c++) {
        emax = fmax(emax, fabs(res.s[c] - rs[c]) / rs[c]);
        dmax = fmax(dmax, fabs(res.s[c] - one.s[c]) / rs[c]);
      }
      double au = subspace_sin(N, k, RU, res.U), av = subspace_sin(D, k, RV, res.V[0]);
      T_CHECK(emax <= tol_s, "%s%s %dx%d: sigma rel err %.3g > %.1g", mname(method),
              scale ? " scaled" : "", pr, pc, emax, tol_s);
      T_CHECK(au <= tol_angle && av <= tol_angle, "%s %dx%d: subspace sin U %.3g V %.3g > %.1g",
              mname(method), pr, pc, au, av, tol_angle);
      double du = 0, dv = 0;
      for (int64_t t = 0; t < N * k; t++) du = fmax(du, fabs(res.U[t] - one.U[t]));
      for (int64_t t = 0; t < D * k; t++) dv = fmax(dv, fabs(res.V[0][t] - one.V[0][t]));
      T_CHECK(dmax <= 1e-10 && du <= 1e-10 && dv <= 1e-10,
              "%s %dx%d vs 1x1: sigma %.3g U %.3g V %.3g > 1e-10", mname(method), pr, pc, dmax, du, dv);
    }
    gathered_free(&res);
    free(Ac);
    strata_grid_destroy(&g);
  }
  gathered_free(&one);
  free(RU); free(RV); free(A);
}

/* PCA (implicit centring) of Y equals the uncentred SVD of the explicitly centred Y. */
static void test_implicit_centring(int method) {
  int64_t N = 30, D = 41;
  int k = 4;
  double *A = make_matrix(N, D, 11, 0.6, 20), *C = malloc((size_t)(N * D) * sizeof(double));
  explicit_view(N, D, A, NULL, 1, 0, 1.0, C, 0);
  strata_grid_t *g = NULL;
  T_CHECK(strata_grid_create(MPI_COMM_WORLD, 0, 0, N, D, 0, &g) == 0, "grid");
  strata_svd_opts_t o;
  strata_svd_opts_default(&o);
  o.k = k; o.method = method; o.nb = 4;
  gathered_t a, b;
  T_CHECK(run_solver(g, N, 1, &D, &A, NULL, &o, &a, NULL, NULL) == 0, "pca");
  o.center = 0;
  T_CHECK(run_solver(g, N, 1, &D, &C, NULL, &o, &b, NULL, NULL) == 0, "svd of centred");
  if (g->rank == 0) {
    double d = 0;
    for (int c = 0; c < k; c++) d = fmax(d, fabs(a.s[c] - b.s[c]) / b.s[0]);
    for (int64_t t = 0; t < N * k; t++) d = fmax(d, fabs(a.U[t] - b.U[t]));
    for (int64_t t = 0; t < D * k; t++) d = fmax(d, fabs(a.V[0][t] - b.V[0][t]));
    T_CHECK(d <= 1e-10, "%s: implicit vs explicit centring differ by %.3g", mname(method), d);
  }
  gathered_free(&a); gathered_free(&b);
  strata_grid_destroy(&g);
  free(A); free(C);
}

/* MFA on a hand-built case: two views that are rank one after centring, with the same score
 * vector u (unit, orthogonal to 1).  View m = a_m u v_m^T (|v_m| = 1), so sigma1(view m) = a_m and
 * after MFA weighting with user weights c_m the joint matrix is u [c_1 v_1^T, c_2 v_2^T]: one
 * singular value sqrt(c_1^2 + c_2^2), the rest 0. */
static void test_mfa(int method) {
  int64_t N = 8, D[2] = {3, 4};
  double u[8] = {1, -1, 2, -2, 0.5, -0.5, 3, -3}, nu = 0;
  for (int i = 0; i < 8; i++) nu += u[i] * u[i];
  for (int i = 0; i < 8; i++) u[i] /= sqrt(nu);
  double v1[3] = {2, 1, 2}, v2[4] = {1, 1, 1, 1}, a[2] = {5.0, 0.25};
  double *Y[2];
  Y[0] = malloc(24 * sizeof(double));
  Y[1] = malloc(32 * sizeof(double));
  for (int j = 0; j < 3; j++)
    for (int i = 0; i < 8; i++) Y[0][j * 8 + i] = 7.0 + a[0] * u[i] * v1[j] / 3.0;
  for (int j = 0; j < 4; j++)
    for (int i = 0; i < 8; i++) Y[1][j * 8 + i] = -1.0 + a[1] * u[i] * v2[j] / 2.0;
  strata_grid_t *g = NULL;
  T_CHECK(strata_grid_create(MPI_COMM_WORLD, 0, 0, N, 7, 0, &g) == 0, "grid");
  strata_svd_opts_t o;
  strata_svd_opts_default(&o);
  o.k = 1; o.method = method; o.nb = 2;
  double cw[2] = {2.0, 1.0};
  o.weights = cw;
  gathered_t res;
  strata_svd_result_t *r = NULL;
  double *Yc[2] = {malloc(24 * sizeof(double)), malloc(32 * sizeof(double))};
  memcpy(Yc[0], Y[0], 24 * sizeof(double));
  memcpy(Yc[1], Y[1], 32 * sizeof(double));
  int st = run_solver(g, N, 2, D, Yc, NULL, &o, &res, &r, NULL);
  T_CHECK(st == 0, "mfa solve: %s", strata_err_msg());
  if (!st) {
    T_NEAR(r->view_sigma1[0], a[0], 1e-10, "sigma1 of view 1");
    T_NEAR(r->view_sigma1[1], a[1], 1e-10, "sigma1 of view 2");
    T_NEAR(r->view_weight[0], cw[0] / a[0], 1e-10, "MFA weight of view 1");
    T_NEAR(r->view_weight[1], cw[1] / a[1], 1e-10, "MFA weight of view 2");
    if (g->rank == 0) {
      T_NEAR(res.s[0], sqrt(5.0), 1e-10, "joint sigma1 = sqrt(c1^2 + c2^2)");
      double dot = 0;
      for (int i = 0; i < 8; i++) dot += res.U[i] * u[i];
      T_NEAR(fabs(dot), 1.0, 1e-10, "joint score vector is u");
      /* the view-1 block of V is c_1 v_1 / sqrt(5) (up to the common sign) */
      double sg = dot > 0 ? 1 : -1;
      for (int j = 0; j < 3; j++) T_NEAR(sg * res.V[0][j], 2.0 * v1[j] / 3.0 / sqrt(5.0), 1e-10, "V block view 1");
      for (int j = 0; j < 4; j++) T_NEAR(sg * res.V[1][j], 1.0 * v2[j] / 2.0 / sqrt(5.0), 1e-10, "V block view 2");
      T_NEAR(r->variance_ratio[0], 1.0, 1e-10, "one component explains all");
    }
  }
  strata_svd_result_destroy(&r);
  gathered_free(&res);
  strata_grid_destroy(&g);
  free(Y[0]); free(Y[1]); free(Yc[0]); free(Yc[1]);
}

/* Samples lacking a view (and NaN entries inside views, mean-imputed): the solver equals dgesdd
 * of the explicit joint matrix built by the documented rules, MFA-weighted by the explicit
 * per-view sigma1.  Planted: view 2 absent for every third sample. */
static void test_missing(int method) {
  int64_t N = 36, D[2] = {20, 25};
  int k = 3;
  double *Y[2] = {make_matrix(N, D[0], 21, 0.5, 15), make_matrix(N, D[1], 22, 0.5, 15)};
  unsigned char *pres[2] = {malloc(N), malloc(N)};
  for (int64_t i = 0; i < N; i++) { pres[0][i] = 1; pres[1][i] = i % 3 != 0; }
  for (int64_t t = 0; t < N * D[0]; t += 17) Y[0][t] = NAN;
  for (int64_t t = 5; t < N * D[1]; t += 23) Y[1][t] = NAN;
  for (int64_t i = 0; i < N; i++)
    if (!pres[1][i]) for (int64_t j = 0; j < D[1]; j++) Y[1][j * N + i] = 1e300; /* must be ignored */
  double rs[4], *RU = NULL, *RV = NULL, w[2];
  if (g_rank == 0) {
    double *J = calloc((size_t)(N * (D[0] + D[1])), sizeof(double));
    for (int m = 0; m < 2; m++) {
      double *Jm = calloc((size_t)(N * D[m]), sizeof(double)), s1, *u1 = malloc(N * sizeof(double)), *v1 = malloc(D[m] * sizeof(double));
      explicit_view(N, D[m], Y[m], pres[m], 1, 0, 1.0, Jm, 0);
      ref_svd(N, D[m], Jm, 1, &s1, u1, v1);
      w[m] = 1.0 / s1;
      explicit_view(N, D[m], Y[m], pres[m], 1, 0, w[m], J, m ? D[0] : 0);
      free(Jm); free(u1); free(v1);
    }
    RU = malloc((size_t)(N * k) * sizeof(double));
    RV = malloc((size_t)((D[0] + D[1]) * k) * sizeof(double));
    ref_svd(N, D[0] + D[1], J, k, rs, RU, RV);
    ref_flip(N, D[0] + D[1], k, RU, RV);
    free(J);
  }
  strata_grid_t *g = NULL;
  T_CHECK(strata_grid_create(MPI_COMM_WORLD, 0, 0, N, 45, 0, &g) == 0, "grid");
  strata_svd_opts_t o;
  strata_svd_opts_default(&o);
  o.k = k; o.method = method; o.nb = 4; o.mfa_power_iters = 8;
  o.power_iters = 6; /* the MFA-weighted joint spectrum is flatter than a single view's */
  gathered_t res;
  strata_svd_result_t *r = NULL;
  int st = run_solver(g, N, 2, D, Y, (const unsigned char *const *)pres, &o, &res, &r, NULL);
  T_CHECK(st == 0, "missing-view solve: %s", strata_err_msg());
  if (!st && g->rank == 0) {
    T_NEAR(r->view_weight[0], w[0], 1e-8, "MFA weight view 1 (with missing)");
    T_NEAR(r->view_weight[1], w[1], 1e-8, "MFA weight view 2 (absent samples)");
    for (int c = 0; c < k; c++) T_NEAR(res.s[c], rs[c], 1e-8, "joint sigma with missing data");
    double au = subspace_sin(N, k, RU, res.U);
    T_CHECK(au <= 1e-7, "%s missing: subspace sin %.3g", mname(method), au);
    /* V of view 2 equals the reference block (rows D[0]..) */
    double dv = 0;
    for (int c = 0; c < k; c++)
      for (int64_t j = 0; j < D[1]; j++) dv = fmax(dv, fabs(res.V[1][c * D[1] + j] - RV[c * (D[0] + D[1]) + D[0] + j]));
    T_CHECK(dv <= 1e-7, "%s missing: V block of view 2 off by %.3g", mname(method), dv);
  }
  strata_svd_result_destroy(&r);
  gathered_free(&res);
  strata_grid_destroy(&g);
  free(RU); free(RV); free(Y[0]); free(Y[1]); free(pres[0]); free(pres[1]);
}

/* Soft-impute on a planted rank-2 matrix with 8% missing entries: the imputed entries recover the
 * truth far better than the feature means do. */
static void test_soft_impute(void) {
  int64_t N = 40, D = 30;
  double *T = make_matrix(N, D, 31, 0.5, 2), *Y = malloc((size_t)(N * D) * sizeof(double));
  memcpy(Y, T, (size_t)(N * D) * sizeof(double));
  int64_t nmiss = 0;
  for (int64_t t = 3; t < N * D; t += 13) { Y[t] = NAN; nmiss++; }
  strata_grid_t *g = NULL;
  T_CHECK(strata_grid_create(MPI_COMM_WORLD, 0, 0, N, D, 0, &g) == 0, "grid");
  strata_svd_opts_t o;
  strata_svd_opts_default(&o);
  o.k = 2; o.method = STRATA_SVD_RANDOMIZED; o.impute = STRATA_IMPUTE_SOFT; o.impute_tol = 1e-9;
  o.impute_maxiter = 500;
  gathered_t res;
  strata_svd_result_t *r = NULL;
  strata_dmat_t **v = NULL;
  int st = run_solver(g, N, 1, &D, &Y, NULL, &o, &res, &r, &v);
  T_CHECK(st == 0, "soft-impute solve: %s", strata_err_msg());
  if (!st) {
    T_CHECK(r->impute_converged && r->impute_iters > 1, "soft-impute converged (%d refits, change %.3g)",
            r->impute_iters, r->impute_change);
    double *F = NULL;
    T_CHECK(strata_dmat_gather(v[0], 0, &F) == 0, "gather imputed");
    if (g->rank == 0) {
      double err = 0, err_mean = 0, nt = 0;
      for (int64_t t = 3; t < N * D; t += 13) {
        int64_t j = t / N;
        double mu = 0, n = 0;
        for (int64_t i = 0; i < N; i++) if (!isnan(Y[j * N + i])) { mu += Y[j * N + i]; n++; }
        mu /= n;
        err += (F[t] - T[t]) * (F[t] - T[t]);
        err_mean += (mu - T[t]) * (mu - T[t]);
        nt += T[t] * T[t];
      }
      T_CHECK(sqrt(err / nt) < 1e-4 && err < 1e-6 * err_mean,
              "soft-impute error %.3g (mean imputation %.3g, relative %.3g)", sqrt(err / nt),
              sqrt(err_mean / nt), sqrt(err / err_mean));
    }
    free(F);
    strata_dmat_destroy(&v[0]);
    free(v);
  }
  strata_svd_result_destroy(&r);
  gathered_free(&res);
  strata_grid_destroy(&g);
  free(T); free(Y);
}

/* Tiny and degenerate shapes (a single sample or feature, k = min(N,D), more ranks than rows):
 * uncentred singular values against dgesdd. */
static void test_tiny(int method, double tol) {
  int shapes[][2] = {{1, 5}, {5, 1}, {3, 3}, {2, 9}, {9, 2}, {6, 4}};
  for (int t = 0; t < 6; t++) {
    int64_t N = shapes[t][0], D = shapes[t][1];
    int k = (int)(N < D ? N : D);
    double *A = malloc((size_t)(N * D) * sizeof(double)), *C = malloc((size_t)(N * D) * sizeof(double));
    for (int64_t i = 0; i < N * D; i++) A[i] = sin(1.37 * (double)i + 0.2) + 0.3 * (double)i;
    memcpy(C, A, (size_t)(N * D) * sizeof(double));
    double rs[9], *RU = malloc((size_t)(N * k) * sizeof(double)), *RV = malloc((size_t)(D * k) * sizeof(double));
    ref_svd(N, D, C, k, rs, RU, RV);
    strata_grid_t *g = NULL;
    T_CHECK(strata_grid_create(MPI_COMM_WORLD, 0, 0, N, D, 0, &g) == 0, "grid");
    strata_svd_opts_t o;
    strata_svd_opts_default(&o);
    o.k = k; o.method = method; o.center = 0;
    gathered_t res;
    int st = run_solver(g, N, 1, &D, &A, NULL, &o, &res, NULL, NULL);
    T_CHECK(st == 0, "%s %lldx%lld: %s", mname(method), (long long)N, (long long)D, strata_err_msg());
    if (!st && g->rank == 0)
      for (int c = 0; c < k; c++)
        T_CHECK(fabs(res.s[c] - rs[c]) <= tol * rs[0], "%s %lldx%lld sigma_%d %.17g vs %.17g", mname(method),
                (long long)N, (long long)D, c + 1, res.s[c], rs[c]);
    gathered_free(&res);
    strata_grid_destroy(&g);
    free(A); free(C); free(RU); free(RV);
  }
}

/* A failure detected on one rank only (its block of view 2 does not line up with view 1) must
 * reach every rank as the same status and message, without a hang. */
static void test_one_rank_fails(void) {
  int64_t N = 12, D[2] = {5, 6};
  double *Y[2] = {make_matrix(N, D[0], 41, 0.5, 4), make_matrix(N, D[1], 42, 0.5, 4)};
  strata_grid_t *g = NULL;
  T_CHECK(strata_grid_create(MPI_COMM_WORLD, g_size, 1, N, 11, 0, &g) == 0, "grid");
  strata_partition_t *part = make_part(N, g->nprow);
  strata_dmat_t *v[2] = {make_view(g, part, N, D[0], Y[0], NULL), make_view(g, part, N, D[1], Y[1], NULL)};
  int bad = g_size - 1;
  if (g_rank == bad && v[1]->mloc > 0) v[1]->rows[0] = N + 5;
  strata_svd_opts_t o;
  strata_svd_opts_default(&o);
  o.k = 2;
  strata_svd_result_t *r = NULL;
  strata_err_clear();
  int st = strata_svd_compute(2, v, &o, &r);
  T_CHECK(st == STRATA_ERR_INTERNAL && r == NULL, "one-rank failure agreed: status %d", st);
  T_CHECK(strstr(strata_err_msg(), "row layout") != NULL && strata_err_rank() == bad,
          "message '%s' from rank %d", strata_err_msg(), strata_err_rank());
  strata_err_clear();
  strata_dmat_destroy(&v[0]);
  strata_dmat_destroy(&v[1]);
  strata_partition_destroy(&part);
  strata_grid_destroy(&g);
  free(Y[0]); free(Y[1]);
}

/* One view, every sample present, NaN entries: the randomized solver defers the statistics pass
 * to its first product, finds the NaN there, mean-imputes and takes the product again; and the
 * same without NaN (no second product).  Both against LAPACK on the explicitly imputed and
 * centred matrix, with the variance ratio checked against ||A||_F^2. */
static void test_deferred_stats(void) {
  int64_t N = 40, D[1] = {33};
  int k = 3;
  for (int withnan = 0; withnan < 2; withnan++) {
    double *Y[1] = {make_matrix(N, D[0], 31, 0.5, 12)};
    if (withnan)
      for (int64_t t = 3; t < N * D[0]; t += 19) Y[0][t] = NAN;
    double rs[3], *RU = NULL, tss = 0;
    if (g_rank == 0) {
      double *J = calloc((size_t)(N * D[0]), sizeof(double)), *RV = malloc((size_t)(D[0] * k) * sizeof(double));
      explicit_view(N, D[0], Y[0], NULL, 1, 0, 1.0, J, 0);
      for (int64_t t = 0; t < N * D[0]; t++) tss += J[t] * J[t];
      RU = malloc((size_t)(N * k) * sizeof(double));
      ref_svd(N, D[0], J, k, rs, RU, RV);
      ref_flip(N, D[0], k, RU, RV);
      free(J);
      free(RV);
    }
    strata_grid_t *g = NULL;
    T_CHECK(strata_grid_create(MPI_COMM_WORLD, 0, 0, N, D[0], 0, &g) == 0, "grid");
    strata_svd_opts_t o;
    strata_svd_opts_default(&o);
    o.k = k;
    o.method = STRATA_SVD_RANDOMIZED;
    o.power_iters = 6;
    gathered_t res;
    strata_svd_result_t *r = NULL;
    int st = run_solver(g, N, 1, D, Y, NULL, &o, &res, &r, NULL);
    T_CHECK(st == 0, "deferred-statistics solve: %s", strata_err_msg());
    if (!st && g->rank == 0) {
      for (int c = 0; c < k; c++) T_NEAR(res.s[c], rs[c], 1e-8, "sigma, deferred statistics");
      double au = subspace_sin(N, k, RU, res.U);
      T_CHECK(au <= 1e-7, "deferred statistics (NaN %d): subspace sin %.3g", withnan, au);
      T_NEAR(r->variance_ratio[0], rs[0] * rs[0] / tss, 1e-10, "variance ratio, deferred statistics");
    }
    strata_svd_result_destroy(&r);
    gathered_free(&res);
    strata_grid_destroy(&g);
    free(RU);
    free(Y[0]);
  }
}

/* strata_la_tsqr on a matrix split by rows over the ranks: Q^T Q = I and Q R = A to working precision
 * on every route -- CholeskyQR2 (condition 10), the Householder TSQR past its threshold
 * (condition 1e7, and 1e10 where the Gram is numerically singular), an exactly repeated column,
 * fewer rows per rank than columns. */
static void test_tsqr(void) {
  const int l = 6;
  const int64_t rows_total[] = {400, 400, 400, 12, 400};
  const double cond[] = {10.0, 1e10, 10.0, 10.0, 1e7};
  for (int t = 0; t < 5; t++) {
    int64_t Mg = rows_total[t], r0 = Mg * g_rank / g_size, r1 = Mg * (g_rank + 1) / g_size;
    int64_t m = r1 - r0, lda = m + 1;
    double *A = calloc((size_t)(lda * l) + 1, sizeof(double)), *Q = calloc((size_t)(lda * l) + 1, sizeof(double));
    double R[36], G[36];
    for (int c = 0; c < l; c++)
      for (int64_t i = 0; i < m; i++) {
        double sc = pow(cond[t], -(double)c / (l - 1)); /* column norms 1 .. 1/cond */
        int src = (t == 2 && c == 4) ? 1 : c;          /* column 4 repeats column 1 */
        A[c * lda + i] = sc * strata_rng_normal_at(11, (uint64_t)src, (uint64_t)(r0 + i));
        if (t == 2 && c == 4) A[c * lda + i] = A[1 * lda + i];
      }
    memcpy(Q, A, sizeof(double) * (size_t)(lda * l));
    int st = strata_la_tsqr(MPI_COMM_WORLD, m, l, Q, lda, R);
    T_CHECK(st == 0, "tsqr case %d failed: %d", t, st);
    /* Q^T Q summed over ranks */
    memset(G, 0, sizeof G);
    for (int a = 0; a < l; a++)
      for (int b = 0; b < l; b++)
        for (int64_t i = 0; i < m; i++) G[a * l + b] += Q[a * lda + i] * Q[b * lda + i];
    MPI_Allreduce(MPI_IN_PLACE, G, l * l, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    double eo = 0, er = 0, an = 0;
    int64_t rk = Mg < l ? Mg : l;
    for (int a = 0; a < rk; a++)
      for (int b = 0; b < rk; b++) eo = fmax(eo, fabs(G[a * l + b] - (a == b)));
    for (int c = 0; c < l; c++)
      for (int64_t i = 0; i < m; i++) {
        double v = 0;
        for (int j = 0; j <= c; j++) v += Q[j * lda + i] * R[c * l + j];
        er = fmax(er, fabs(v - A[c * lda + i]));
        an = fmax(an, fabs(A[c * lda + i]));
      }
    MPI_Allreduce(MPI_IN_PLACE, &er, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, &an, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    /* the repeated column leaves Q's column 4 free: only the first 4 are checked there */
    if (t == 2) {
      eo = 0;
      for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++) eo = fmax(eo, fabs(G[a * l + b] - (a == b)));
    }
    T_CHECK(eo < 1e-13 && er < 1e-13 * an, "tsqr case %d (%lld rows, cond %g): |Q^T Q - I| %.3g, |QR - A| %.3g (|A| %.3g)",
            t, (long long)Mg, cond[t], eo, er, an);
    free(A);
    free(Q);
  }
}

/* pdgesvd's own redistribution of U exits past ScaLAPACK's 2 GiB limit, so the exact path
 * refuses such shapes up front.  The size it checks, against ScaLAPACK's numroc over every
 * process of both layouts and two hand-computed cases; then the refusal itself, with the limit
 * lowered to this small problem's size: the same status and message on every rank, no result,
 * and a solve again one element below. */
static void test_exact_u_limit(void) {
  /* 10 x 3, nb 2: on a 2 x 1 grid process row 0 holds rows 0-1, 4-5, 8-9 (6 x 3 = 18); on
   * 1 x 2, process column 0 holds columns 0-1 of all 10 rows (20); one row per process: 5 x 3 */
  T_CHECK(svd_exact_u_local_max(10, 3, 2, 2, 1) == 18, "10x3 nb 2 on 2x1: %lld", (long long)svd_exact_u_local_max(10, 3, 2, 2, 1));
  T_CHECK(svd_exact_u_local_max(10, 3, 2, 1, 2) == 20, "10x3 nb 2 on 1x2: %lld", (long long)svd_exact_u_local_max(10, 3, 2, 1, 2));
  T_CHECK(svd_exact_u_local_max(16384, 16384, 64, 1, 1) == STRATA_MR2D_LIMIT &&
              svd_exact_u_local_max(16383, 16383, 64, 1, 1) < STRATA_MR2D_LIMIT,
          "one rank: 16384 samples reach the limit, 16383 do not");
  const int cases[][5] = {{1644, 1644, 64, 1, 2}, {1000, 37, 64, 2, 2}, {130, 129, 16, 3, 2}, {7, 7, 2, 2, 3}, {4097, 200, 64, 4, 1}};
  for (int c = 0; c < 5; c++) {
    int M = cases[c][0], mn = cases[c][1], nb = cases[c][2], pr = cases[c][3], pc = cases[c][4], P = pr * pc, z = 0, o1 = 1;
    int64_t want = 0;
    for (int p = 0; p < P; p++) {
      int64_t one_d = (int64_t)numroc_(&M, &o1, &p, &z, &P) * mn;
      if (one_d > want) want = one_d;
    }
    for (int r = 0; r < pr; r++)
      for (int q = 0; q < pc; q++) {
        int64_t two_d = (int64_t)numroc_(&M, &nb, &r, &z, &pr) * numroc_(&mn, &nb, &q, &z, &pc);
        if (two_d > want) want = two_d;
      }
    int64_t got = svd_exact_u_local_max(M, mn, nb, pr, pc);
    T_CHECK(got == want, "%dx%d nb %d on %dx%d: %lld, numroc says %lld", M, mn, nb, pr, pc, (long long)got, (long long)want);
  }
  int64_t N = 12, D = 9;
  double *A = make_matrix(N, D, 77, 0.5, 4);
  strata_grid_t *g = NULL;
  T_CHECK(strata_grid_create(MPI_COMM_WORLD, 0, 0, N, D, 0, &g) == 0, "grid");
  strata_svd_opts_t o;
  strata_svd_opts_default(&o);
  o.k = 3;
  o.method = STRATA_SVD_EXACT;
  int64_t need = svd_exact_u_local_max(N, N < D ? N : D, o.nb, g->nprow, g->npcol);
  gathered_t res;
  svd_exact_set_mr2d_limit(need);
  strata_err_clear();
  int st = run_solver(g, N, 1, &D, &A, NULL, &o, &res, NULL, NULL);
  int agree[2] = {st, -st};
  MPI_Allreduce(MPI_IN_PLACE, agree, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  T_CHECK(st == STRATA_ERR_INPUT && agree[0] == -agree[1], "refused on every rank: status %d", st);
  T_CHECK(strstr(strata_err_msg(), "pdgesvd would redistribute") != NULL, "message '%s'", strata_err_msg());
  gathered_free(&res);
  strata_err_clear();
  /* --method auto would pick exact for 12 x 9 (min(N,D) <= 256): at the limit it takes the
   * randomized path and says why */
  o.method = STRATA_SVD_AUTO;
  strata_svd_result_t *r = NULL;
  st = run_solver(g, N, 1, &D, &A, NULL, &o, &res, &r, NULL);
  T_CHECK(st == 0 && r && r->method == STRATA_SVD_RANDOMIZED && strstr(r->method_reason, "redistribution limit"),
          "auto at the limit: status %d method %d reason '%s'", st, r ? r->method : -1, r ? r->method_reason : "");
  strata_svd_result_destroy(&r);
  gathered_free(&res);
  svd_exact_set_mr2d_limit(need + 1);
  st = run_solver(g, N, 1, &D, &A, NULL, &o, &res, &r, NULL);
  T_CHECK(st == 0 && r && r->method == STRATA_SVD_EXACT, "auto one element below the limit: %s", strata_err_msg());
  strata_svd_result_destroy(&r);
  gathered_free(&res);
  o.method = STRATA_SVD_EXACT;
  st = run_solver(g, N, 1, &D, &A, NULL, &o, &res, NULL, NULL);
  T_CHECK(st == 0, "one element below the limit: %s", strata_err_msg());
  gathered_free(&res);
  svd_exact_set_mr2d_limit(0);
  strata_grid_destroy(&g);
  free(A);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  const char *what = argc > 1 ? argv[1] : "all";
  int all = strcmp(what, "all") == 0;
  if (all || strcmp(what, "randomized") == 0) {
    /* decaying spectrum (10 * 0.5^r): q = 2 power iterations give sigma_1..k to 1e-6 */
    test_vs_lapack(STRATA_SVD_RANDOMIZED, 0, 0.5, 1e-6, 1e-5);
    test_vs_lapack(STRATA_SVD_RANDOMIZED, 1, 0.5, 1e-6, 1e-5);
    /* steep (10 * 0.2^r: sigma_15 / sigma_1 = 6e-11, below sqrt(eps)): the sketch's last columns
     * are lost to rounding in the fused A (A^T Q) passes of one-row grids, not the top k */
    test_vs_lapack(STRATA_SVD_RANDOMIZED, 0, 0.2, 1e-6, 1e-5);
    test_implicit_centring(STRATA_SVD_RANDOMIZED);
    test_mfa(STRATA_SVD_RANDOMIZED);
    test_missing(STRATA_SVD_RANDOMIZED);
    test_soft_impute();
    test_one_rank_fails();
    test_tiny(STRATA_SVD_RANDOMIZED, 1e-12);
    test_tsqr();
    test_deferred_stats();
  }
  if (all || strcmp(what, "exact") == 0) {
    test_vs_lapack(STRATA_SVD_EXACT, 0, 0.5, 1e-12, 1e-10);
    test_implicit_centring(STRATA_SVD_EXACT);
    test_mfa(STRATA_SVD_EXACT);
    test_missing(STRATA_SVD_EXACT);
    test_tiny(STRATA_SVD_EXACT, 1e-13);
    test_exact_u_limit();
  }
  if (all || strcmp(what, "gram") == 0) {
    /* the Gram matrix squares the condition number: sigma_k / sigma_1 = 1/16 here */
    test_vs_lapack(STRATA_SVD_GRAM, 0, 0.5, 1e-11, 1e-9);
    test_mfa(STRATA_SVD_GRAM);
    test_missing(STRATA_SVD_GRAM);
    test_tiny(STRATA_SVD_GRAM, 1e-11);
  }
  int rc = strata_test_finish();
  MPI_Finalize();
  return rc;
}
