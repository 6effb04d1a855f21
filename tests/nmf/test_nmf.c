/* Joint NMF solver tests (run at np 1, 2, 4 over several grid shapes): exact recovery of planted
 * non-negative low-rank data (also with NaN entries and absent samples), non-increasing
 * objective for HALS and MU, agreement of every grid with a one-rank run of the same problem,
 * recovery of planted shared clusters across views, checkpoint/resume equality, stop on a
 * signal, negative-input errors, the cophenetic correlation against scipy and k selection.
 * All data come from the counter-based RNG, identical for every rank count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "strata/dmat.h"
#include "strata/grid.h"
#include "strata/checkpoint.h"
#include "strata/nmf.h"
#include "strata/partition.h"
#include "strata/rng.h"
#include "strata/util.h"

#define MAXV 3

typedef struct planted {
  int nv, k;
  int64_t N, D[MAXV];
  double *Y[MAXV];      /* full N x D column-major, NaN = missing */
  unsigned char *present[MAXV];
  double *Hs;           /* N x k row-major truth */
  int64_t *label;       /* planted cluster of each sample */
} planted_t;

/* Planted Y_m = H* W_m*^T (+ noise * U(0,1)).  Sample i belongs to cluster i % k: H*[i,c] is
 * 1 + U/2 on its cluster and U/10 elsewhere.  nanfrac of the entries are NaN; with absent != 0
 * view 1 lacks every sample with i % 7 == 3. */
static void planted_make(planted_t *pl, int nv, int64_t N, const int64_t *D, int k, double noise,
                         double nanfrac, int absent, uint64_t seed) {
  memset(pl, 0, sizeof *pl);
  pl->nv = nv;
  pl->k = k;
  pl->N = N;
  pl->Hs = malloc(sizeof(double) * N * k);
  pl->label = malloc(sizeof(int64_t) * N);
  for (int64_t i = 0; i < N; i++) {
    pl->label[i] = i % k;
    for (int c = 0; c < k; c++) {
      double u = strata_rng_uniform_at(seed, 10, (uint64_t)(i * k + c));
      pl->Hs[i * k + c] = c == pl->label[i] ? 1.0 + 0.5 * u : 0.1 * u;
    }
  }
  for (int m = 0; m < nv; m++) {
    pl->D[m] = D[m];
    double *W = malloc(sizeof(double) * D[m] * k);
    for (int64_t j = 0; j < D[m] * k; j++) {
      double u = strata_rng_uniform_at(seed, 20 + m, (uint64_t)j);
      W[j] = u * u;
    }
    pl->Y[m] = malloc(sizeof(double) * N * D[m]);
    pl->present[m] = malloc((size_t)N);
    for (int64_t i = 0; i < N; i++) pl->present[m][i] = !(absent && m == 1 && i % 7 == 3);
    for (int64_t j = 0; j < D[m]; j++)
      for (int64_t i = 0; i < N; i++) {
        double s = 0.0;
        for (int c = 0; c < k; c++) s += pl->Hs[i * k + c] * W[j * k + c];
        s += noise * strata_rng_uniform_at(seed, 30 + m, (uint64_t)(i * D[m] + j));
        if (!pl->present[m][i] || strata_rng_uniform_at(seed, 40 + m, (uint64_t)(i * D[m] + j)) < nanfrac)
          s = NAN;
        pl->Y[m][i + j * N] = s;
      }
    free(W);
  }
}

static void planted_free(planted_t *pl) {
  for (int m = 0; m < pl->nv; m++) {
    free(pl->Y[m]);
    free(pl->present[m]);
  }
  free(pl->Hs);
  free(pl->label);
}

typedef struct run {
  strata_partition_t *part;
  strata_dmat_t *y[MAXV];
  strata_nmf_t *p;
} run_t;

static int run_setup(run_t *r, const strata_grid_t *g, const planted_t *pl, const double *weights,
                     int negative, const strata_nmf_names_t *names) {
  memset(r, 0, sizeof *r);
  int st = strata_partition_block(pl->N, g->nprow, &r->part);
  for (int m = 0; m < pl->nv && !st; m++) {
    st = strata_dmat_create(g, r->part, pl->D[m], &r->y[m]);
    if (!st) st = strata_dmat_scatter_replicated(r->y[m], pl->Y[m]);
    if (!st)
      for (int64_t i = 0; i < r->y[m]->mloc; i++) r->y[m]->present[i] = pl->present[m][r->y[m]->rows[i]];
  }
  if (!st) st = strata_nmf_create(g, pl->nv, r->y, weights, negative, names, &r->p);
  return st;
}

static void run_free(run_t *r) {
  strata_nmf_destroy(&r->p);
  for (int m = 0; m < MAXV; m++) strata_dmat_destroy(&r->y[m]);
  strata_partition_destroy(&r->part);
}

/* Full H and W (gathered on every rank's grid root and broadcast over the grid) */
static void gather_all(const strata_nmf_result_t *res, const strata_grid_t *g, double **H,
                       double **W) {
  int st = strata_nmf_gather_h(res, g, 0, H);
  if (g->rank != 0) *H = malloc(sizeof(double) * res->nrows * res->k);
  MPI_Bcast(*H, (int)(res->nrows * res->k), MPI_DOUBLE, 0, g->comm);
  for (int m = 0; m < res->nviews && !st; m++) {
    st = strata_nmf_gather_w(res, g, m, 0, &W[m]);
    if (g->rank != 0) W[m] = malloc(sizeof(double) * res->ncols[m] * res->k);
    MPI_Bcast(W[m], (int)(res->ncols[m] * res->k), MPI_DOUBLE, 0, g->comm);
  }
  T_CHECK(st == STRATA_OK, "gather factors");
}

static strata_nmf_opts_t opts_k(int k, int solver, int init, int64_t max_iter, double tol) {
  strata_nmf_opts_t o;
  strata_nmf_opts_default(&o);
  o.k = k;
  o.solver = solver;
  o.init = init;
  o.max_iter = max_iter;
  o.tol = tol;
  return o;
}

/* relative error of H W^T against the complete planted matrix (no noise: the truth) */
static double fit_error(const planted_t *pl, int m, const double *H, const double *W, int k,
                        const double *truth) {
  double num = 0.0, den = 0.0;
  for (int64_t j = 0; j < pl->D[m]; j++)
    for (int64_t i = 0; i < pl->N; i++) {
      double s = 0.0;
      for (int c = 0; c < k; c++) s += H[i * k + c] * W[j * k + c];
      double t = truth[i + j * pl->N];
      if (isnan(t)) continue;
      num += (s - t) * (s - t);
      den += t * t;
    }
  return sqrt(num / den);
}

static const char *solver_name[] = {"HALS", "ANLS", "MU"};

/* 1. noiseless planted data: exact recovery by ANLS and HALS from NNDSVD, also with NaN entries
 * and a view with absent samples (then the observed entries are fitted and the hidden ones
 * imputed); the running objective agrees with the exact residual. */
static void test_recovery(const strata_grid_t *g) {
  int64_t D[2] = {40, 30};
  planted_t pl, full;
  for (int masked = 0; masked <= 1; masked++) {
    planted_make(&pl, 2, 60, D, 3, 0.0, masked ? 0.1 : 0.0, masked, 7);
    planted_make(&full, 2, 60, D, 3, 0.0, 0.0, 0, 7);
    for (int solver = STRATA_NMF_HALS; solver <= STRATA_NMF_ANLS; solver++) {
      run_t r;
      int st = run_setup(&r, g, &pl, NULL, STRATA_NMF_NEG_ERROR, NULL);
      T_CHECK(st == STRATA_OK, "setup");
      strata_nmf_opts_t o = opts_k(3, solver, STRATA_NMF_INIT_NNDSVD,
                                   2000, 0.0);
      strata_nmf_result_t *res = NULL;
      st = strata_nmf_solve(r.p, &o, &res);
      T_CHECK(st == STRATA_OK, "solve %s", solver_name[solver]);
      if (st) {
        run_free(&r);
        continue;
      }
      T_CHECK(res->rel_error <= 1e-6, "%s masked=%d: relative error %.3g after %lld iterations",
              solver_name[solver], masked, res->rel_error, (long long)res->iterations);
      double *H = NULL, *W[MAXV] = {0};
      gather_all(res, g, &H, W);
      for (int m = 0; m < 2; m++) {
        double e = fit_error(&pl, m, H, W[m], 3, pl.Y[m]);
        T_CHECK(e <= 1e-6, "%s masked=%d view %d: observed-entry error %.3g", solver_name[solver],
                masked, m, e);
        if (masked) {
          double ei = fit_error(&pl, m, H, W[m], 3, full.Y[m]);
          T_CHECK(ei <= 1e-3, "%s view %d: error on all entries (imputation) %.3g",
                  solver_name[solver], m, ei);
        }
        free(W[m]);
      }
      free(H);
      strata_nmf_result_destroy(&res);
      run_free(&r);
    }
    planted_free(&pl);
    planted_free(&full);
  }
}

/* 2. HALS and MU (one or three sweeps per update) never increase the objective, ANLS neither
 * (noisy data, masks, absent samples, weights); the last running objective equals the exact
 * residual computed independently. */
static void test_monotone(const strata_grid_t *g) {
  int64_t D[2] = {35, 25};
  planted_t pl;
  planted_make(&pl, 2, 50, D, 3, 0.3, 0.05, 1, 11);
  double w[2] = {1.0, 2.5};
  for (int variant = 0; variant < 6; variant++) {
    int solver = variant % 3, inner = variant < 3 ? 1 : 3; /* inner sweeps: accelerated HALS/MU */
    run_t r;
    int st = run_setup(&r, g, &pl, w, STRATA_NMF_NEG_ERROR, NULL);
    strata_nmf_opts_t o = opts_k(4, solver, STRATA_NMF_INIT_RANDOM, 150, 0.0);
    o.inner = inner;
    strata_nmf_result_t *res = NULL;
    if (!st) st = strata_nmf_solve(r.p, &o, &res);
    T_CHECK(st == STRATA_OK, "solve %s", solver_name[solver]);
    if (!st) {
      int bad = 0;
      for (int64_t t = 1; t < res->iterations; t++)
        if (res->objective[t] > res->objective[t - 1] * (1.0 + 1e-12)) bad++;
      T_CHECK(bad == 0 && res->iterations == 150, "%s inner %d: objective increased %d times",
              solver_name[solver], inner, bad);
      /* exact residual: sum_m w_m ||M.*(Y-HW^T)||^2 from the gathered factors */
      double *H = NULL, *W[MAXV] = {0}, num = 0.0, den = 0.0;
      gather_all(res, g, &H, W);
      for (int m = 0; m < 2; m++) {
        for (int64_t j = 0; j < D[m]; j++)
          for (int64_t i = 0; i < pl.N; i++) {
            double y = pl.Y[m][i + j * pl.N], s = 0.0;
            if (isnan(y)) continue;
            for (int c = 0; c < 4; c++) s += H[i * 4 + c] * W[m][j * 4 + c];
            num += w[m] * (y - s) * (y - s);
            den += w[m] * y * y;
          }
        free(W[m]);
      }
      free(H);
      T_NEAR(res->objective[res->iterations - 1], num, 1e-9, "running objective = exact residual");
      T_NEAR(res->rel_error, sqrt(num / den), 1e-9, "reported relative error");
    }
    strata_nmf_result_destroy(&res);
    run_free(&r);
  }
  planted_free(&pl);
}

/* 3. every grid shape agrees with a one-rank run of the same problem (to 1e-8) */
static void test_grids(void) {
  int size;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int64_t D[2] = {33, 27};
  planted_t pl;
  planted_make(&pl, 2, 41, D, 3, 0.2, 0.05, 1, 5);
  strata_grid_t *gs = NULL;
  int st = strata_grid_create(MPI_COMM_SELF, 1, 1, 41, 60, 0, &gs);
  T_CHECK(st == STRATA_OK, "self grid");
  int shapes[3][2] = {{1, size}, {size, 1}, {2, size / 2}};
  for (int solver = STRATA_NMF_HALS; solver <= STRATA_NMF_MU; solver++)
    for (int init = STRATA_NMF_INIT_RANDOM; init <= STRATA_NMF_INIT_NNDSVDA; init++) {
      strata_nmf_opts_t o = opts_k(3, solver, init, 40, 0.0);
      run_t rs;
      strata_nmf_result_t *ref = NULL;
      double *Hr = NULL, *Wr[MAXV] = {0};
      st = run_setup(&rs, gs, &pl, NULL, STRATA_NMF_NEG_ERROR, NULL);
      if (!st) st = strata_nmf_solve(rs.p, &o, &ref);
      T_CHECK(st == STRATA_OK, "reference solve");
      if (st) continue;
      gather_all(ref, gs, &Hr, Wr);
      for (int s = 0; s < 3; s++) {
        if (shapes[s][0] * shapes[s][1] != size || (s == 2 && size != 4)) continue;
        strata_grid_t *g = NULL;
        st = strata_grid_create(MPI_COMM_WORLD, shapes[s][0], shapes[s][1], 41, 60, 0, &g);
        run_t r;
        strata_nmf_result_t *res = NULL;
        if (!st) st = run_setup(&r, g, &pl, NULL, STRATA_NMF_NEG_ERROR, NULL);
        if (!st) st = strata_nmf_solve(r.p, &o, &res);
        T_CHECK(st == STRATA_OK, "grid solve");
        if (!st) {
          double *H = NULL, *W[MAXV] = {0}, dh = 0.0, dw = 0.0, df = 0.0;
          gather_all(res, g, &H, W);
          for (int64_t i = 0; i < pl.N * 3; i++) dh = fmax(dh, fabs(H[i] - Hr[i]) / (1.0 + fabs(Hr[i])));
          for (int m = 0; m < 2; m++) {
            for (int64_t j = 0; j < D[m] * 3; j++)
              dw = fmax(dw, fabs(W[m][j] - Wr[m][j]) / (1.0 + fabs(Wr[m][j])));
            free(W[m]);
          }
          for (int64_t t = 0; t < res->iterations; t++)
            df = fmax(df, fabs(res->objective[t] - ref->objective[t]) / ref->objective[t]);
          T_CHECK(dh <= 1e-8 && dw <= 1e-8 && df <= 1e-8 && res->iterations == ref->iterations,
                  "%s init %d grid %dx%d vs 1 rank: H %.2g W %.2g objective %.2g",
                  solver_name[solver], init, g->nprow, g->npcol, dh, dw, df);
          free(H);
        }
        strata_nmf_result_destroy(&res);
        run_free(&r);
        strata_grid_destroy(&g);
      }
      free(Hr);
      for (int m = 0; m < 2; m++) free(Wr[m]);
      strata_nmf_result_destroy(&ref);
      run_free(&rs);
    }
  strata_grid_destroy(&gs);
  planted_free(&pl);
}

/* 3b. compressed (randomized) NMF: exact on noiseless rank-k data, the same on every grid as on
 * one rank, close to the full solver on noisy data, and refused for masked data */
static void test_compress(const strata_grid_t *g) {
  int64_t D[2] = {40, 30};
  planted_t pl;
  planted_make(&pl, 2, 60, D, 3, 0.0, 0.0, 0, 7); /* the data of test_recovery */
  strata_grid_t *gs = NULL;
  int st = strata_grid_create(MPI_COMM_SELF, 1, 1, 60, 70, 0, &gs);
  run_t r, rs;
  st = st ? st : run_setup(&r, g, &pl, NULL, STRATA_NMF_NEG_ERROR, NULL);
  T_CHECK(st == STRATA_OK, "setup");
  strata_nmf_opts_t o = opts_k(3, STRATA_NMF_ANLS, STRATA_NMF_INIT_NNDSVD, 2000, 0.0);
  o.compress = 8;
  strata_nmf_result_t *res = NULL, *ref = NULL;
  if (!st) st = strata_nmf_solve(r.p, &o, &res);
  T_CHECK(st == STRATA_OK, "compressed solve");
  if (!st) T_CHECK(res->rel_error <= 1e-6, "compressed ANLS exact recovery: %.3g", res->rel_error);
  strata_nmf_result_destroy(&res);
  run_free(&r);
  planted_free(&pl);
  /* every grid follows the one-rank trajectory (noisy data, fixed iteration count) */
  planted_make(&pl, 2, 60, D, 3, 0.2, 0.0, 0, 23);
  st = run_setup(&r, g, &pl, NULL, STRATA_NMF_NEG_ERROR, NULL);
  st = st ? st : run_setup(&rs, gs, &pl, NULL, STRATA_NMF_NEG_ERROR, NULL);
  o = opts_k(3, STRATA_NMF_HALS, STRATA_NMF_INIT_NNDSVD, 40, 0.0);
  o.compress = 9;
  if (!st) st = strata_nmf_solve(r.p, &o, &res);
  if (!st) st = strata_nmf_solve(rs.p, &o, &ref);
  T_CHECK(st == STRATA_OK, "compressed solves");
  if (!st) {
    double df = 0.0;
    for (int64_t t = 0; t < res->iterations; t++)
      df = fmax(df, fabs(res->objective[t] - ref->objective[t]) / ref->objective[t]);
    T_CHECK(res->iterations == ref->iterations && df <= 1e-8 &&
                fabs(res->rel_error - ref->rel_error) <= 1e-8,
            "compressed: grid %dx%d vs 1 rank: objective %.3g, rel error %.3g/%.3g", g->nprow,
            g->npcol, df, res->rel_error, ref->rel_error);
  }
  strata_nmf_result_destroy(&res);
  strata_nmf_result_destroy(&ref);
  run_free(&r);
  run_free(&rs);
  planted_free(&pl);
  /* noisy data: HALS on the compression reaches nearly the error of HALS on the data */
  planted_make(&pl, 2, 50, D, 3, 0.3, 0.0, 0, 19);
  st = run_setup(&r, g, &pl, NULL, STRATA_NMF_NEG_ERROR, NULL);
  strata_nmf_result_t *full = NULL, *comp = NULL;
  strata_nmf_opts_t oh = opts_k(3, STRATA_NMF_HALS, STRATA_NMF_INIT_NNDSVD, 300, 0.0);
  if (!st) st = strata_nmf_solve(r.p, &oh, &full);
  oh.compress = 13;
  if (!st) st = strata_nmf_solve(r.p, &oh, &comp);
  T_CHECK(st == STRATA_OK, "noisy solves");
  if (!st)
    T_CHECK(comp->rel_error <= full->rel_error * 1.02,
            "compressed error %.5g vs full %.5g", comp->rel_error, full->rel_error);
  strata_nmf_result_destroy(&full);
  strata_nmf_result_destroy(&comp);
  run_free(&r);
  planted_free(&pl);
  /* masked data are refused */
  planted_make(&pl, 2, 50, D, 3, 0.3, 0.05, 0, 19);
  st = run_setup(&r, g, &pl, NULL, STRATA_NMF_NEG_ERROR, NULL);
  if (!st) st = strata_nmf_solve(r.p, &oh, &comp);
  T_CHECK(st == STRATA_ERR_USAGE && strstr(strata_err_msg(), "compress") && !comp,
          "compress with NaN refused: %d '%s'", st, strata_err_msg());
  strata_err_clear();
  run_free(&r);
  planted_free(&pl);
  strata_grid_destroy(&gs);
}

/* 4. joint NMF of three noisy views recovers the planted sample clusters and factors */
static void test_joint(const strata_grid_t *g) {
  int64_t D[3] = {30, 45, 20};
  planted_t pl;
  planted_make(&pl, 3, 90, D, 4, 0.05, 0.02, 1, 21);
  run_t r;
  int st = run_setup(&r, g, &pl, NULL, STRATA_NMF_NEG_ERROR, NULL);
  strata_nmf_opts_t o = opts_k(4, STRATA_NMF_HALS, STRATA_NMF_INIT_NNDSVD, 500, 1e-7);
  strata_nmf_result_t *res = NULL;
  if (!st) st = strata_nmf_solve(r.p, &o, &res);
  T_CHECK(st == STRATA_OK, "joint solve");
  if (!st) {
    int64_t *lab = malloc(sizeof(int64_t) * pl.N);
    st = strata_nmf_assign(res, g, lab);
    T_CHECK(st == STRATA_OK, "assign");
    /* match factors to planted clusters by majority, then count agreement */
    int map[4] = {-1, -1, -1, -1}, cnt[4][4] = {{0}};
    for (int64_t i = 0; i < pl.N; i++)
      if (lab[i] >= 0) cnt[lab[i]][pl.label[i]]++;
    for (int c = 0; c < 4; c++)
      for (int t = 0; t < 4; t++)
        if (map[c] < 0 || cnt[c][t] > cnt[c][map[c]]) map[c] = t;
    int ok = 0, bijective = 1;
    for (int c = 0; c < 4; c++)
      for (int d = c + 1; d < 4; d++) bijective &= map[c] != map[d];
    for (int64_t i = 0; i < pl.N; i++) ok += lab[i] >= 0 && map[lab[i]] == pl.label[i];
    T_CHECK(bijective && ok == pl.N, "cluster recovery %d of %lld", ok, (long long)pl.N);
    /* the matched factor columns correlate with the planted ones */
    double *H = NULL, *W[MAXV] = {0};
    gather_all(res, g, &H, W);
    for (int c = 0; c < 4 && bijective; c++) {
      int t = map[c];
      double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, n = (double)pl.N;
      for (int64_t i = 0; i < pl.N; i++) {
        double x = H[i * 4 + c], y = pl.Hs[i * 4 + t];
        sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
      }
      double corr = (sxy - sx * sy / n) / sqrt((sxx - sx * sx / n) * (syy - sy * sy / n));
      T_CHECK(corr > 0.99, "factor %d correlates %.4f with planted factor %d", c, corr, t);
    }
    for (int m = 0; m < 3; m++) free(W[m]);
    free(H);
    free(lab);
  }
  strata_nmf_result_destroy(&res);
  run_free(&r);
  planted_free(&pl);
}

/* 5. checkpoint at iteration 10 + resume to 20 equals 20 uninterrupted iterations (bitwise);
 * then a (simulated) signal stops a run after 3 iterations with a checkpoint. */
static void test_checkpoint(const strata_grid_t *g) {
  int64_t D[2] = {30, 20};
  planted_t pl;
  planted_make(&pl, 2, 40, D, 3, 0.2, 0.05, 1, 9);
  char path[64];
  snprintf(path, sizeof path, "nmf_test_np%d.ckpt.h5", g->size);
  for (int solver = STRATA_NMF_HALS; solver <= STRATA_NMF_MU; solver++) {
    run_t r;
    int st = run_setup(&r, g, &pl, NULL, STRATA_NMF_NEG_ERROR, NULL);
    strata_nmf_result_t *full = NULL, *part = NULL, *resumed = NULL;
    strata_nmf_opts_t o = opts_k(3, solver, STRATA_NMF_INIT_NNDSVDA, 20, 0.0);
    if (!st) st = strata_nmf_solve(r.p, &o, &full);
    strata_nmf_opts_t o1 = o;
    o1.max_iter = 10;
    T_CHECK(strata_ckpt_state_create(path, &o1.checkpoint) == STRATA_OK, "state");
    o1.checkpoint_every = 10;
    if (!st) st = strata_nmf_solve(r.p, &o1, &part);
    strata_nmf_opts_t o2 = o;
    T_CHECK(strata_ckpt_state_create(path, &o2.resume) == STRATA_OK, "state");
    if (!st) st = strata_nmf_solve(r.p, &o2, &resumed);
    strata_state_destroy(&o1.checkpoint);
    strata_state_destroy(&o2.resume);
    T_CHECK(st == STRATA_OK, "checkpoint runs %s", solver_name[solver]);
    if (!st) {
      int same = resumed->iterations == 20;
      for (int64_t t = 0; t < 20 && same; t++) same = resumed->objective[t] == full->objective[t];
      for (int64_t i = 0; i < full->mloc * 3; i++) same &= resumed->H[i] == full->H[i];
      for (int m = 0; m < 2; m++)
        for (int64_t j = 0; j < full->nloc[m] * 3; j++) same &= resumed->W[m][j] == full->W[m][j];
      T_CHECK(same, "%s: resumed run equals the uninterrupted run bit for bit", solver_name[solver]);
    }
    strata_nmf_result_destroy(&full);
    strata_nmf_result_destroy(&part);
    strata_nmf_result_destroy(&resumed);
    run_free(&r);
  }
  /* a wrong k is refused with a message naming the file */
  {
    run_t r;
    int st = run_setup(&r, g, &pl, NULL, STRATA_NMF_NEG_ERROR, NULL);
    strata_nmf_opts_t o = opts_k(2, STRATA_NMF_MU, STRATA_NMF_INIT_RANDOM, 20, 0.0);
    T_CHECK(strata_ckpt_state_create(path, &o.resume) == STRATA_OK, "state");
    strata_nmf_result_t *res = NULL;
    if (!st) st = strata_nmf_solve(r.p, &o, &res);
    strata_state_destroy(&o.resume);
    T_CHECK(st == STRATA_ERR_INPUT && strstr(strata_err_msg(), path) && res == NULL,
            "mismatched checkpoint refused: %d '%s'", st, strata_err_msg());
    strata_err_clear();
    run_free(&r);
  }
  /* the signal: the last part of the test, the flag stays raised for the process */
  {
    run_t r;
    int st = run_setup(&r, g, &pl, NULL, STRATA_NMF_NEG_ERROR, NULL);
    strata_nmf_result_t *full = NULL, *res = NULL, *back = NULL;
    strata_nmf_opts_t o = opts_k(3, STRATA_NMF_HALS, STRATA_NMF_INIT_RANDOM, 20, 0.0);
    if (!st) st = strata_nmf_solve(r.p, &o, &full);
    strata_signal_stop_after(3);
    strata_nmf_opts_t o1 = o;
    T_CHECK(strata_ckpt_state_create(path, &o1.checkpoint) == STRATA_OK, "state");
    int st1 = st ? st : strata_nmf_solve(r.p, &o1, &res);
    strata_state_destroy(&o1.checkpoint);
    T_CHECK(st1 == STRATA_INTERRUPTED && res == NULL, "signal stops the run (%d)", st1);
    strata_err_clear();
    strata_nmf_opts_t o2 = o;
    T_CHECK(strata_ckpt_state_create(path, &o2.resume) == STRATA_OK, "state");
    o2.max_iter = 3; /* nothing left to do: returns the checkpointed state */
    if (!st) st = strata_nmf_solve(r.p, &o2, &back);
    strata_state_destroy(&o2.resume);
    T_CHECK(st == STRATA_OK && back && back->iterations == 3, "checkpoint at the signal");
    if (!st && back)
      for (int t = 0; t < 3; t++) T_CHECK(back->objective[t] == full->objective[t], "trace %d", t);
    strata_nmf_result_destroy(&full);
    strata_nmf_result_destroy(&back);
    run_free(&r);
  }
  if (g->rank == 0) remove(path);
  planted_free(&pl);
}

/* 6. negative values: exit-2 error naming view, sample and feature; shift and clip */
static void test_negative(const strata_grid_t *g) {
  int64_t D[2] = {12, 9};
  planted_t pl;
  planted_make(&pl, 2, 20, D, 2, 0.1, 0.0, 0, 3);
  pl.Y[1][7 + 4 * pl.N] = -0.25; /* sample 7, feature 4 of view 2 */
  pl.Y[1][15 + 2 * pl.N] = -0.5;  /* later in row-major order: not the one reported */
  char *vn[2] = {"rna", "methylation"};
  char *obs[20], obuf[20][8], *var1[12], *var2[9], vb[21][8];
  for (int i = 0; i < 20; i++) {
    snprintf(obuf[i], 8, "S%d", i);
    obs[i] = obuf[i];
  }
  for (int j = 0; j < 12; j++) {
    snprintf(vb[j], 8, "g%d", j);
    var1[j] = vb[j];
  }
  for (int j = 0; j < 9; j++) {
    snprintf(vb[12 + j], 8, "cg%d", j);
    var2[j] = vb[12 + j];
  }
  char **vars[2] = {var1, var2};
  strata_nmf_names_t names = {vn, obs, vars};
  run_t r;
  int st = run_setup(&r, g, &pl, NULL, STRATA_NMF_NEG_ERROR, &names);
  const char *msg = strata_err_msg();
  T_CHECK(st == STRATA_ERR_INPUT && strata_exit_code(st) == 2, "negative value: status %d", st);
  T_CHECK(strstr(msg, "methylation") && strstr(msg, "'S7'") && strstr(msg, "'cg4'") &&
              strstr(msg, "-0.25"),
          "message names view, sample, feature: '%s'", msg);
  strata_err_clear();
  run_free(&r);
  st = run_setup(&r, g, &pl, NULL, STRATA_NMF_NEG_SHIFT, &names);
  T_CHECK(st == STRATA_OK && strata_nmf_shift(r.p, 1) == -0.5 && strata_nmf_shift(r.p, 0) == 0.0,
          "shift subtracts the minimum");
  if (!st) {
    double mn = INFINITY;
    for (int64_t q = 0; q < r.y[1]->mloc * r.y[1]->nloc; q++) mn = fmin(mn, r.y[1]->a[q]);
    MPI_Allreduce(MPI_IN_PLACE, &mn, 1, MPI_DOUBLE, MPI_MIN, g->comm);
    T_CHECK(mn == 0.0, "shifted minimum %g", mn);
  }
  run_free(&r);
  st = run_setup(&r, g, &pl, NULL, STRATA_NMF_NEG_CLIP, &names);
  T_CHECK(st == STRATA_OK && strata_nmf_clipped(r.p, 1) == 2, "clip counts 2 entries");
  run_free(&r);
  pl.Y[0][3 + 5 * pl.N] = INFINITY;
  st = run_setup(&r, g, &pl, NULL, STRATA_NMF_NEG_CLIP, &names);
  T_CHECK(st == STRATA_ERR_INPUT && strstr(strata_err_msg(), "infinite") &&
              strstr(strata_err_msg(), "'g5'"),
          "infinite value refused: '%s'", strata_err_msg());
  strata_err_clear();
  run_free(&r);
  planted_free(&pl);
}

/* 7. cophenetic correlation: a crisp block consensus gives 1; a 5-sample case against scipy
 * (cophenet(linkage(squareform(1 - C), 'average')) = 0.953125266487209, computed once with
 * scipy 1.10.1). */
static void test_cophenetic(void) {
  double C[36];
  for (int i = 0; i < 6; i++)
    for (int j = 0; j < 6; j++) C[i + 6 * j] = (i / 3 == j / 3) ? 1.0 : 0.0;
  double coph = 0, disp = 0;
  int st = strata_nmf_cophenetic(6, C, &coph, &disp);
  T_CHECK(st == STRATA_OK, "cophenetic");
  T_NEAR(coph, 1.0, 1e-12, "crisp consensus cophenetic");
  T_NEAR(disp, 1.0, 1e-12, "crisp consensus dispersion");
  double C5[25] = {1.0, 0.9, 0.2, 0.1, 0.3,
                   0.9, 1.0, 0.4, 0.2, 0.1,
                   0.2, 0.4, 1.0, 0.7, 0.6,
                   0.1, 0.2, 0.7, 1.0, 0.8,
                   0.3, 0.1, 0.6, 0.8, 1.0};
  st = strata_nmf_cophenetic(5, C5, &coph, &disp);
  T_NEAR(coph, 0.953125266487209, 1e-12, "cophenetic vs scipy");
}

/* 8. k selection on clearly clustered data picks the planted k */
static void test_select_k(const strata_grid_t *g) {
  int64_t D[2] = {25, 30};
  planted_t pl;
  planted_make(&pl, 2, 48, D, 3, 0.4, 0.0, 0, 13);
  run_t r;
  int st = run_setup(&r, g, &pl, NULL, STRATA_NMF_NEG_ERROR, NULL);
  strata_nmf_opts_t o = opts_k(2, STRATA_NMF_HALS, STRATA_NMF_INIT_RANDOM, 200, 1e-6);
  strata_nmf_ksel_t *ks = NULL;
  if (!st) st = strata_nmf_select_k(r.p, &o, 2, 5, 6, &ks);
  T_CHECK(st == STRATA_OK && ks && ks->nk == 4, "select_k");
  if (!st && ks) {
    T_CHECK(ks->best_k == 3, "chose k = %d (cophenetic %.3f %.3f %.3f %.3f)", ks->best_k,
            ks->cophenetic[0], ks->cophenetic[1], ks->cophenetic[2], ks->cophenetic[3]);
    T_NEAR(ks->cophenetic[1], 1.0, 1e-9, "k = 3 consensus is crisp");
    T_NEAR(ks->dispersion[1], 1.0, 1e-9, "k = 3 dispersion");
    T_CHECK(ks->dispersion[2] < 0.99 && ks->dispersion[3] < 0.99, "over-split k is unstable");
    T_CHECK(ks->rel_error[0] > ks->rel_error[1], "k = 2 fits worse");
  }
  strata_nmf_ksel_destroy(&ks);
  run_free(&r);
  planted_free(&pl);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int size;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  strata_grid_t *g = NULL;
  int st = strata_grid_create(MPI_COMM_WORLD, size == 4 ? 2 : 1, size == 4 ? 2 : size, 60, 70, 0, &g);
  T_CHECK(st == STRATA_OK, "grid");
  if (!st) {
    test_negative(g);
    test_cophenetic();
    test_recovery(g);
    test_monotone(g);
    test_grids();
    test_compress(g);
    test_joint(g);
    test_select_k(g);
    test_checkpoint(g); /* last: it raises the signal flag */
  }
  strata_grid_destroy(&g);
  int rc = strata_test_finish();
  MPI_Finalize();
  return rc;
}
