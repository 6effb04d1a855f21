/* Factor model tests on planted truth: a simulated cohort (two Gaussian views, one Bernoulli
 * view, 20% of regions missing one view, a few missing entries) is generated on every rank
 * from the counter-based RNG (the bytes do not depend on the rank count).
 *   planted  recovery of the true factors and of the per-view R^2, ELBO monotone, the np-rank
 *            fit equals a 1-rank fit done on rank 0 alone, spike-and-slab recovery, bad options
 *   stop D   fit with a checkpoint in D, a simulated signal after 7 iterations: exit status
 *            STRATA_INTERRUPTED and a checkpoint on disk
 *   resume D uninterrupted fit, then a fit resumed from D's checkpoint: same Z, W, ELBO trace
 *   write F  write the simulated cohort to F (.h5mu) for the command-line tests */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "check.h"
#include "state_mem.h"
#include "strata/checkpoint.h"
#include "strata/cohort.h"
#include "strata/factor.h"
#include "strata/grid.h"
#include "strata/partition.h"
#include "strata/rng.h"
#include "strata/util.h"

#define NS 300   /* samples (regions), 2 per patient */
#define KT 5     /* true factors */
#define NV 3
static const int64_t DV[NV] = {200, 150, 120};
static const int LIK[NV] = {STRATA_LIK_GAUSSIAN, STRATA_LIK_GAUSSIAN, STRATA_LIK_BERNOULLI};
static const uint64_t SEED = 42;

static double ztrue(int64_t i, int k) { return strata_rng_normal_at(SEED, 1, (uint64_t)(i * KT + k)); }
/* factor k is active in view m with this loading scale (0 = inactive): a sparse pattern */
static double wscale(int m, int k) {
  static const double s[NV][KT] = {{1.0, 0.8, 0.0, 0.6, 0.0},
                                   {0.0, 1.0, 0.9, 0.0, 0.7},
                                   {1.5, 0.0, 1.5, 1.2, 0.0}};
  return s[m][k];
}
static double wtrue(int m, int64_t d, int k) {
  return wscale(m, k) * strata_rng_normal_at(SEED, 10 + (uint64_t)m, (uint64_t)(d * KT + k));
}
static double noise_sd(int m) { return m == 0 ? 0.8 : 0.7; }
/* sample i misses view (i*7)%NV when hashed uniform < 0.2; entries of view 0 missing at 1% */
static int has_view(int64_t i, int m) {
  if (strata_rng_uniform_at(SEED, 2, (uint64_t)i) >= 0.2) return 1;
  return (int)(strata_rng_hash(SEED, 3, (uint64_t)i) % NV) != m;
}
static double value(int64_t i, int m, int64_t d) {
  if (!has_view(i, m)) return NAN;
  if (m == 0 && strata_rng_uniform_at(SEED, 4, (uint64_t)(i * DV[0] + d)) < 0.01) return NAN;
  double x = m == 2 ? -0.5 : 0.3 * (double)(d % 5);
  for (int k = 0; k < KT; k++) x += ztrue(i, k) * wtrue(m, d, k);
  uint64_t c = (uint64_t)(i * 1000 + d);
  if (LIK[m] == STRATA_LIK_BERNOULLI)
    return strata_rng_uniform_at(SEED, 20 + (uint64_t)m, c) < 1 / (1 + exp(-x)) ? 1.0 : 0.0;
  return x + noise_sd(m) * strata_rng_normal_at(SEED, 20 + (uint64_t)m, c);
}

typedef struct cohort {
  strata_grid_t *grid;
  strata_partition_t *part;
  strata_dmat_t *v[NV];
} cohort_t;

static void cohort_free(cohort_t *c) {
  for (int m = 0; m < NV; m++) strata_dmat_destroy(&c->v[m]);
  strata_partition_destroy(&c->part);
  strata_grid_destroy(&c->grid);
}

static int cohort_make(MPI_Comm comm, cohort_t *c) {
  int st = STRATA_OK;
  int32_t pat[NS];
  memset(c, 0, sizeof *c);
  for (int i = 0; i < NS; i++) pat[i] = i / 2;
  STRATA_CHECK(strata_grid_create(comm, 0, 0, NS, DV[0] + DV[1] + DV[2], NS / 2, &c->grid));
  STRATA_CHECK(strata_partition_patients(NS, pat, NS / 2, NULL, c->grid->nprow, &c->part));
  for (int m = 0; m < NV; m++) {
    STRATA_CHECK(strata_dmat_create(c->grid, c->part, DV[m], &c->v[m]));
    strata_dmat_t *y = c->v[m];
    for (int64_t i = 0; i < y->mloc; i++) y->present[i] = (unsigned char)has_view(y->rows[i], m);
    for (int64_t d = 0; d < y->nloc; d++)
      for (int64_t i = 0; i < y->mloc; i++) y->a[i + d * y->mloc] = value(y->rows[i], m, y->col0 + d);
  }
cleanup:
  return st;
}

static int fit(MPI_Comm comm, const strata_factor_opts_t *o, strata_factor_t **f, cohort_t *c) {
  int st = cohort_make(comm, c);
  if (st) return st;
  return strata_factor_fit(NV, c->v, LIK, o, NULL, f);
}

static double corr(const double *a, const double *b, int64_t n) {
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (int64_t i = 0; i < n; i++) {
    sa += a[i]; sb += b[i]; saa += a[i] * a[i]; sbb += b[i] * b[i]; sab += a[i] * b[i];
  }
  double ca = saa - sa * sa / n, cb = sbb - sb * sb / n, cab = sab - sa * sb / n;
  return cab / sqrt(ca * cb);
}

/* True R^2 of Gaussian view m over its observed entries: total and per true factor. */
static void true_r2(int m, double *tot, double *perk) {
  double ss = 0, rss = 0, rk[KT] = {0}, *mean = calloc((size_t)DV[m], sizeof *mean);
  double *cnt = calloc((size_t)DV[m], sizeof *cnt);
  for (int64_t d = 0; d < DV[m]; d++)
    for (int64_t i = 0; i < NS; i++) {
      double y = value(i, m, d);
      if (!isnan(y)) { mean[d] += y; cnt[d] += 1; }
    }
  for (int64_t d = 0; d < DV[m]; d++) {
    mean[d] /= cnt[d];
    for (int64_t i = 0; i < NS; i++) {
      double y = value(i, m, d);
      if (isnan(y)) continue;
      double yc = y - mean[d], x = 0;
      ss += yc * yc;
      for (int k = 0; k < KT; k++) {
        double t = ztrue(i, k) * wtrue(m, d, k);
        x += t;
        rk[k] += (yc - t) * (yc - t) - yc * yc;
      }
      rss += (yc - x) * (yc - x);
    }
  }
  *tot = 1 - rss / ss;
  for (int k = 0; k < KT; k++) perk[k] = -rk[k] / ss;
  free(mean);
  free(cnt);
}

/* Recovery checks on rank 0 from the gathered model. */
static void check_recovery(const strata_factor_t *f, const double *z, const char *what) {
  double zt[NS];
  for (int k = 0; k < KT; k++) {
    double best = 0, r2max = 0;
    for (int m = 0; m < NV; m++) {
      if (LIK[m] != STRATA_LIK_GAUSSIAN) continue;
      double tot, perk[KT];
      true_r2(m, &tot, perk);
      r2max = fmax(r2max, perk[k]);
    }
    for (int64_t i = 0; i < NS; i++) zt[i] = ztrue(i, k);
    for (int j = 0; j < f->k; j++) best = fmax(best, fabs(corr(zt, z + (size_t)j * NS, NS)));
    if (r2max >= 0.05)
      T_CHECK(best >= 0.95, "%s: true factor %d (R2 %.3f) best |corr| %.4f", what, k, r2max, best);
  }
  for (int m = 0; m < NV; m++) {
    if (LIK[m] != STRATA_LIK_GAUSSIAN) continue;
    double tot, perk[KT];
    true_r2(m, &tot, perk);
    T_CHECK(fabs(f->r2_total[m] - tot) <= 0.02, "%s: view %d R2 %.4f vs true %.4f", what, m,
            f->r2_total[m], tot);
  }
  /* R^2 per factor within a view sums to about the total (factors nearly orthogonal) and all
   * listed factors are sorted by their summed R^2 */
  for (int k = 1; k < f->k; k++) {
    double a = 0, b = 0;
    for (int m = 0; m < NV; m++) { a += f->r2[m + (k - 1) * NV]; b += f->r2[m + k * NV]; }
    T_CHECK(a >= b - 1e-12, "%s: factors sorted by R2 (%d: %g < %g)", what, k, a, b);
  }
}

static void check_elbo(const strata_factor_t *f, const char *what) {
  int bad = 0;
  for (int64_t t = 1; t < f->n_elbo; t++) {
    if (f->elbo_k[t] != f->elbo_k[t - 1]) continue;
    double a = f->elbo[t - 1], b = f->elbo[t];
    if (b < a - 1e-9 * fabs(a)) {
      if (!bad) fprintf(stderr, "%s: ELBO decreased at iteration %lld: %.17g -> %.17g\n", what,
                        (long long)f->elbo_iter[t], a, b);
      bad++;
    }
  }
  T_CHECK(bad == 0, "%s: ELBO never decreases (%d decreases over %lld evaluations)", what, bad,
          (long long)f->n_elbo);
  T_CHECK(f->n_elbo > 5, "%s: ELBO evaluated (%lld)", what, (long long)f->n_elbo);
}

static void gather_all(const strata_factor_t *f, double **z, double ***w) {
  double **ic = NULL;
  int st = strata_factor_gather(f, 0, z, w, &ic);
  T_CHECK(st == STRATA_OK, "gather");
  if (ic)
    for (int m = 0; m < f->nviews; m++) free(ic[m]);
  free(ic);
}
static void free_w(double **w, int n) {
  if (w)
    for (int m = 0; m < n; m++) free(w[m]);
  free(w);
}

static double maxdiff(const double *a, const double *b, int64_t n, double *scale) {
  double d = 0, s = 0;
  for (int64_t i = 0; i < n; i++) {
    d = fmax(d, fabs(a[i] - b[i]));
    s = fmax(s, fabs(b[i]));
  }
  *scale = s;
  return d;
}

static void test_planted(void) {
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  strata_factor_opts_t o;
  strata_factor_opts_default(&o);
  o.k = 8;
  o.tol = 1e-7;
  o.max_iter = 3000;
  cohort_t c;
  strata_factor_t *f = NULL;
  int st = fit(MPI_COMM_WORLD, &o, &f, &c);
  T_CHECK(st == STRATA_OK, "fit: %s", strata_err_msg());
  if (st) { cohort_free(&c); return; }
  check_elbo(f, "gaussian+bernoulli");
  T_CHECK(f->converged, "converged in %lld iterations", (long long)f->iterations);
  double *z = NULL, **w = NULL;
  gather_all(f, &z, &w);
  if (rank == 0) {
    printf("planted: %d factors after %lld iterations, R2 total %.4f %.4f %.4f\n", f->k,
           (long long)f->iterations, f->r2_total[0], f->r2_total[1], f->r2_total[2]);
    check_recovery(f, z, "planted");
    T_CHECK(f->k >= KT && f->k <= 8, "kept %d factors", f->k);
  }
  /* the same fit on rank 0 alone (a 1 x 1 grid on MPI_COMM_SELF) must agree */
  if (rank == 0) {
    cohort_t c1;
    strata_factor_t *f1 = NULL;
    int st1 = fit(MPI_COMM_SELF, &o, &f1, &c1);
    T_CHECK(st1 == STRATA_OK, "1-rank fit");
    if (!st1) {
      double *z1 = NULL, **w1 = NULL;
      gather_all(f1, &z1, &w1);
      T_CHECK(f1->k == f->k && f1->iterations == f->iterations, "same K (%d %d) and iterations (%lld %lld)",
              f1->k, f->k, (long long)f1->iterations, (long long)f->iterations);
      if (f1->k == f->k) {
        double sc, d = maxdiff(z, z1, (int64_t)NS * f->k, &sc);
        T_CHECK(d <= 1e-8 * sc, "np vs 1-rank Z max diff %.3g (scale %.3g)", d, sc);
        for (int m = 0; m < NV; m++) {
          d = maxdiff(w[m], w1[m], DV[m] * f->k, &sc);
          T_CHECK(d <= 1e-8 * sc, "np vs 1-rank W%d max diff %.3g (scale %.3g)", m, d, sc);
        }
        int64_t n = f->n_elbo < f1->n_elbo ? f->n_elbo : f1->n_elbo;
        double e = 0;
        for (int64_t t = 0; t < n; t++) e = fmax(e, fabs(f->elbo[t] - f1->elbo[t]) / fabs(f1->elbo[t]));
        T_CHECK(e <= 1e-8, "np vs 1-rank ELBO trace rel diff %.3g", e);
      }
      free(z1);
      free_w(w1, NV);
    }
    strata_factor_destroy(&f1);
    cohort_free(&c1);
  }
  free(z);
  free_w(w, NV);
  strata_factor_destroy(&f);
  cohort_free(&c);

  /* random start (seeded): same recovery */
  o.init_random = 1;
  o.tol = 1e-6;
  st = fit(MPI_COMM_WORLD, &o, &f, &c);
  T_CHECK(st == STRATA_OK, "random-start fit: %s", strata_err_msg());
  if (!st) {
    check_elbo(f, "random start");
    gather_all(f, &z, &w);
    if (rank == 0) check_recovery(f, z, "random start");
    free(z);
    free_w(w, NV);
  }
  strata_factor_destroy(&f);
  cohort_free(&c);
  o.init_random = 0;

  /* spike-and-slab: same recovery */
  o.spikeslab = 1;
  o.tol = 1e-6;
  st = fit(MPI_COMM_WORLD, &o, &f, &c);
  T_CHECK(st == STRATA_OK, "spike-and-slab fit: %s", strata_err_msg());
  if (!st) {
    check_elbo(f, "spikeslab");
    gather_all(f, &z, &w);
    if (rank == 0) {
      printf("spikeslab: %d factors after %lld iterations, R2 total %.4f %.4f %.4f\n", f->k,
             (long long)f->iterations, f->r2_total[0], f->r2_total[1], f->r2_total[2]);
      check_recovery(f, z, "spikeslab");
    }
    free(z);
    free_w(w, NV);
  }
  strata_factor_destroy(&f);
  cohort_free(&c);
}

static void test_bad_options(void) {
  strata_factor_opts_t o;
  strata_factor_opts_default(&o);
  cohort_t c;
  strata_factor_t *f = NULL;
  int ks[3] = {0, -3, NS + 1};
  for (int t = 0; t < 3; t++) {
    strata_err_clear();
    o.k = ks[t];
    int st = fit(MPI_COMM_WORLD, &o, &f, &c);
    T_CHECK(st == STRATA_ERR_INPUT && f == NULL, "k=%d rejected (%d)", ks[t], st);
    T_CHECK(strstr(strata_err_msg(), "-k") != NULL, "message names -k: '%s'", strata_err_msg());
    cohort_free(&c);
  }
  /* a view with no observed value (all NaN on every rank) */
  strata_err_clear();
  o.k = 3;
  const char *names[NV] = {"rna", "cn", "mut"};
  o.view_names = names;
  int st = cohort_make(MPI_COMM_WORLD, &c);
  for (int64_t i = 0; i < c.v[1]->mloc * c.v[1]->nloc; i++) c.v[1]->a[i] = NAN;
  st = strata_factor_fit(NV, c.v, LIK, &o, NULL, &f);
  T_CHECK(st == STRATA_ERR_INPUT, "empty view rejected (%d)", st);
  T_CHECK(strstr(strata_err_msg(), "'cn' has no observed values") != NULL, "message: '%s'", strata_err_msg());
  cohort_free(&c);
  /* a Bernoulli view with a 2 on one rank only */
  strata_err_clear();
  st = cohort_make(MPI_COMM_WORLD, &c);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (rank == size - 1 && c.v[2]->mloc * c.v[2]->nloc > 0) {
    for (int64_t i = 0; i < c.v[2]->mloc; i++)
      if (c.v[2]->present[i]) { c.v[2]->a[i] = 2.0; break; }
  }
  st = strata_factor_fit(NV, c.v, LIK, &o, NULL, &f);
  T_CHECK(st == STRATA_ERR_INPUT, "non-binary Bernoulli view rejected (%d)", st);
  T_CHECK(strstr(strata_err_msg(), "'mut' is Bernoulli") != NULL, "message: '%s'", strata_err_msg());
  cohort_free(&c);
  strata_err_clear();
}

static void ckpt_opts(strata_factor_opts_t *o, const char *dir, char *path, size_t n) {
  strata_factor_opts_default(o);
  o->k = 8;
  o->max_iter = 40;
  o->tol = 0;
  o->spikeslab = 0;
  snprintf(path, n, "%s/factor.ckpt", dir);
  int st = strata_ckpt_state_create(path, &o->checkpoint);
  T_CHECK(st == STRATA_OK, "checkpoint state: %s", strata_err_msg());
}

static void test_stop(const char *dir) {
  strata_factor_opts_t o;
  char path[1024];
  ckpt_opts(&o, dir, path, sizeof path);
  strata_signal_stop_after(7);
  cohort_t c;
  strata_factor_t *f = NULL;
  int st = fit(MPI_COMM_WORLD, &o, &f, &c);
  T_CHECK(st == STRATA_INTERRUPTED && f == NULL, "interrupted (%d: %s)", st, strata_err_msg());
  T_CHECK(access(path, R_OK) == 0, "checkpoint '%s' exists", path);
  strata_state_destroy(&o.checkpoint);
  cohort_free(&c);
}

static void test_resume(const char *dir) {
  strata_factor_opts_t o;
  char path[1024];
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  ckpt_opts(&o, dir, path, sizeof path);
  strata_state_destroy(&o.checkpoint);
  cohort_t c, c2;
  strata_factor_t *f = NULL, *f2 = NULL;
  int st = fit(MPI_COMM_WORLD, &o, &f, &c);
  T_CHECK(st == STRATA_OK, "uninterrupted fit");
  T_CHECK(strata_ckpt_state_create(path, &o.resume) == STRATA_OK, "resume state");
  int st2 = fit(MPI_COMM_WORLD, &o, &f2, &c2);
  T_CHECK(st2 == STRATA_OK, "resumed fit: %s", strata_err_msg());
  if (!st && !st2) {
    double *z = NULL, *z2 = NULL, **w = NULL, **w2 = NULL;
    gather_all(f, &z, &w);
    gather_all(f2, &z2, &w2);
    T_CHECK(f->iterations == f2->iterations && f->n_elbo == f2->n_elbo && f->k == f2->k,
            "same iterations %lld %lld, K %d %d", (long long)f->iterations,
            (long long)f2->iterations, f->k, f2->k);
    if (rank == 0 && f->k == f2->k && f->n_elbo == f2->n_elbo) {
      double sc, d = maxdiff(z2, z, (int64_t)NS * f->k, &sc);
      T_CHECK(d <= 1e-12 * fmax(sc, 1), "resumed Z max diff %.3g", d);
      for (int m = 0; m < NV; m++) {
        d = maxdiff(w2[m], w[m], DV[m] * f->k, &sc);
        T_CHECK(d <= 1e-12 * fmax(sc, 1), "resumed W%d max diff %.3g", m, d);
      }
      double e = 0;
      for (int64_t t = 0; t < f->n_elbo; t++) e = fmax(e, fabs(f->elbo[t] - f2->elbo[t]) / fabs(f->elbo[t]));
      T_CHECK(e <= 1e-12, "resumed ELBO trace rel diff %.3g", e);
      printf("resume: %lld iterations, %lld ELBO values, Z diff %.3g\n", (long long)f->iterations,
             (long long)f->n_elbo, maxdiff(z2, z, (int64_t)NS * f->k, &sc));
    }
    free(z); free(z2);
    free_w(w, NV); free_w(w2, NV);
  }
  strata_factor_destroy(&f);
  strata_factor_destroy(&f2);
  cohort_free(&c);
  cohort_free(&c2);
  /* a checkpoint of other options is refused */
  o.k = 5;
  st = fit(MPI_COMM_WORLD, &o, &f, &c);
  T_CHECK(st == STRATA_ERR_INPUT, "mismatched checkpoint rejected (%d: %s)", st, strata_err_msg());
  cohort_free(&c);
  strata_err_clear();
  strata_state_destroy(&o.resume);
}

/* Stop after 5 iterations into an in-memory state store (tests/state_mem.h: no file, no io/),
 * resume from it in the same process: the model equals the uninterrupted fit to 1e-12. */
static void test_memory_state(void) {
  strata_factor_opts_t o;
  strata_factor_opts_default(&o);
  o.k = 8;
  o.max_iter = 30;
  o.tol = 0;
  mem_store_t *store = NULL;
  strata_state_t *mem = NULL;
  T_CHECK(mem_state_create(&mem, &store) == STRATA_OK, "memory state");
  cohort_t c, c1, c2;
  strata_factor_t *f = NULL, *f1 = NULL, *f2 = NULL;
  int st = fit(MPI_COMM_WORLD, &o, &f, &c);
  o.checkpoint = mem;
  strata_signal_stop_after(5);
  int st1 = fit(MPI_COMM_WORLD, &o, &f1, &c1);
  T_CHECK(st1 == STRATA_INTERRUPTED && store && store->commits == 1,
          "stopped into the memory store (%d, %d commits)", st1, store ? store->commits : -1);
  strata_signal_stop_after(0);
  strata_err_clear();
  o.checkpoint = NULL;
  o.resume = mem;
  int st2 = fit(MPI_COMM_WORLD, &o, &f2, &c2);
  T_CHECK(st == STRATA_OK && st2 == STRATA_OK, "fits: %s", strata_err_msg());
  if (!st && !st2) {
    double *z = NULL, *z2 = NULL, **w = NULL, **w2 = NULL, sc = 0;
    gather_all(f, &z, &w);
    gather_all(f2, &z2, &w2);
    T_CHECK(f->iterations == f2->iterations && f->k == f2->k, "memory resume: same iterations");
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0 && f->k == f2->k) {
      double d = maxdiff(z2, z, (int64_t)NS * f->k, &sc);
      T_CHECK(d <= 1e-12 * fmax(sc, 1), "memory resume: Z max diff %.3g", d);
    }
    free(z); free(z2);
    free_w(w, NV); free_w(w2, NV);
  }
  strata_factor_destroy(&f);
  strata_factor_destroy(&f2);
  cohort_free(&c);
  cohort_free(&c1);
  cohort_free(&c2);
  strata_state_destroy(&mem);
}

/* The planted cohort as .h5mu (rank 0 writes every block; the others take part collectively). */
static void write_cohort(const char *path, int with_empty) {
  int rank, st;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  static char obs[NS][16], pat[NS][16], var[NV][256][16];
  char *obsp[NS], *patp[NS], *varp[256];
  const char *vn[NV] = {"rna", "cn", "mut"};
  for (int i = 0; i < NS; i++) {
    snprintf(obs[i], 16, "R%03d", i);
    snprintf(pat[i], 16, "P%03d", i / 2);
    obsp[i] = obs[i];
    patp[i] = pat[i];
  }
  strata_cohort_writer_t *w = NULL;
  st = strata_cohort_writer_create(MPI_COMM_WORLD, path, NS, obsp, patp, 0, NULL, &w);
  T_CHECK(st == STRATA_OK, "writer: %s", strata_err_msg());
  for (int m = 0; m < NV && !st; m++) {
    uint32_t obsmap[NS], r = 0;
    for (int i = 0; i < NS; i++) obsmap[i] = has_view(i, m) ? ++r : 0;
    for (int64_t d = 0; d < DV[m]; d++) {
      snprintf(var[m][d], 16, "%s%03d", vn[m], (int)d);
      varp[d] = var[m][d];
    }
    int vi = -1;
    st = strata_cohort_writer_add_view(w, vn[m], obsmap, DV[m], varp, 8,
                                       LIK[m] == STRATA_LIK_BERNOULLI ? "bernoulli" : "gaussian", &vi);
    double *blk = calloc((size_t)r * DV[m] + 1, sizeof *blk);
    for (int i = 0; i < NS; i++)
      if (obsmap[i])
        for (int64_t d = 0; d < DV[m]; d++) blk[(obsmap[i] - 1) * DV[m] + d] = value(i, m, d);
    if (!st) st = strata_cohort_writer_write_block(w, vi, 0, rank == 0 ? r : 0, 0, DV[m], blk);
    free(blk);
    T_CHECK(st == STRATA_OK, "view %d: %s", m, strata_err_msg());
  }
  if (with_empty && !st) {
    /* a view whose samples are all present but whose values are all missing */
    uint32_t obsmap[NS];
    for (int i = 0; i < NS; i++) obsmap[i] = (uint32_t)i + 1;
    char *ev[2] = {"e1", "e2"};
    double *blk = malloc(sizeof(double) * NS * 2);
    for (int i = 0; i < 2 * NS; i++) blk[i] = NAN;
    int vi = -1;
    st = strata_cohort_writer_add_view(w, "empty", obsmap, 2, ev, 8, NULL, &vi);
    if (!st) st = strata_cohort_writer_write_block(w, vi, 0, rank == 0 ? NS : 0, 0, 2, blk);
    free(blk);
  }
  if (!st) st = strata_cohort_writer_commit(&w);
  else strata_cohort_writer_abort(&w);
  T_CHECK(st == STRATA_OK, "commit: %s", strata_err_msg());
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  const char *mode = argc > 1 ? argv[1] : "planted";
  if (strcmp(mode, "planted") == 0) {
    test_planted();
    test_bad_options();
    test_memory_state();
  } else if (strcmp(mode, "stop") == 0 && argc > 2) {
    test_stop(argv[2]);
  } else if (strcmp(mode, "write") == 0 && argc > 2) {
    write_cohort(argv[2], argc > 3 && strcmp(argv[3], "empty") == 0);
  } else if (strcmp(mode, "resume") == 0 && argc > 2) {
    test_resume(argv[2]);
  } else {
    T_CHECK(0, "unknown mode '%s'", mode);
  }
  int rc = strata_test_finish();
  MPI_Finalize();
  return rc;
}
