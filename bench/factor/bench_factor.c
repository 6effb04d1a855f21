/* Factor model benchmark: a TRACERx-sized simulated cohort generated in place on every rank
 * (counter-based RNG, so the data does not depend on the rank count), fitted with
 * strata_factor_fit; prints one result line per run: time to convergence (total_s, with
 * preprocessing and the PCA start), time in the iterations and per iteration (iter_s,
 * per_iter_s), wall time outside reductions per iteration of the slowest rank, start included
 * (compute_per_iter_s), CPU seconds per iteration including the start (cpu_per_iter_s; both are
 * figures that a loaded machine distorts less), peak memory against the rank's data block.  `--dump DIR` instead writes the views as raw
 * row-major float64 files for the MOFA v1 comparison (bench/factor/mofa1.py).
 * Not a test: it checks nothing but prints what it measured. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "strata/factor.h"
#include "strata/grid.h"
#include "strata/partition.h"
#include "strata/rng.h"
#include "strata/util.h"

#define KT 10
static int64_t N = 1644, D[3] = {20000, 5000, 2000};
static const uint64_t SEED = 7;

/* 10% of regions miss view 2 and (independently) 10% miss view 3 */
static int has_view(int64_t i, int m) {
  return m == 0 || strata_rng_uniform_at(SEED, 100 + (uint64_t)m, (uint64_t)i) >= 0.1;
}
static double zt(int64_t i, int k) { return strata_rng_normal_at(SEED, 1, (uint64_t)(i * KT + k)); }
/* factor k active in view m unless (k + m) % 4 == 0; loading scale decreasing with k */
static double wt(int m, int64_t d, int k) {
  if ((k + m) % 4 == 0) return 0;
  return (1.0 - 0.07 * k) * strata_rng_normal_at(SEED, 10 + (uint64_t)m, (uint64_t)(d * KT + k));
}
/* w: the KT true loadings of feature d of view m (precomputed: generation stays cheap) */
static double value(int64_t i, int m, int64_t d, const double *z, const double *w) {
  if (!has_view(i, m)) return NAN;
  double x = 0.1 * (double)(d % 7);
  for (int k = 0; k < KT; k++) x += z[k] * w[k];
  return x + 1.5 * strata_rng_normal_at(SEED, 20 + (uint64_t)m, (uint64_t)(i * D[m] + d));
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size, st = STRATA_OK;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  strata_factor_opts_t o;
  strata_factor_opts_default(&o);
  const char *dump = NULL, *label = "strata";
  double scale = 1.0;
  static const struct option lo[] = {{"k", required_argument, 0, 'k'},
                                     {"max-iter", required_argument, 0, 'i'},
                                     {"tol", required_argument, 0, 't'},
                                     {"spikeslab", no_argument, 0, 's'},
                                     {"scale", required_argument, 0, 'S'},
                                     {"dump", required_argument, 0, 'd'},
                                     {"label", required_argument, 0, 'l'},
                                     {0, 0, 0, 0}};
  int c;
  o.k = KT;
  while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
    if (c == 'k') o.k = atoi(optarg);
    else if (c == 'i') o.max_iter = atoll(optarg);
    else if (c == 't') o.tol = atof(optarg);
    else if (c == 's') o.spikeslab = 1;
    else if (c == 'S') scale = atof(optarg);
    else if (c == 'd') dump = optarg;
    else if (c == 'l') label = optarg;
  }
  /* --scale shrinks samples and features for a quick run */
  N = (int64_t)(N * scale);
  for (int m = 0; m < 3; m++) D[m] = (int64_t)(D[m] * scale);

  if (dump) {
    if (rank == 0) {
      double z[KT], *row = malloc(sizeof(double) * D[0]), *w = malloc(sizeof(double) * D[0] * KT);
      for (int m = 0; m < 3 && row && w; m++) {
        for (int64_t d = 0; d < D[m]; d++)
          for (int k = 0; k < KT; k++) w[d * KT + k] = wt(m, d, k);
        char path[4096];
        snprintf(path, sizeof path, "%s/view%d.f64", dump, m);
        FILE *f = fopen(path, "wb");
        if (!f) { fprintf(stderr, "cannot write %s\n", path); st = 1; break; }
        for (int64_t i = 0; i < N; i++) {
          for (int k = 0; k < KT; k++) z[k] = zt(i, k);
          for (int64_t d = 0; d < D[m]; d++) row[d] = value(i, m, d, z, w + d * KT);
          fwrite(row, sizeof(double), (size_t)D[m], f);
        }
        if (fclose(f) != 0) st = 1;
      }
      free(row);
      free(w);
      printf("dumped %lld x (%lld, %lld, %lld) to %s\n", (long long)N, (long long)D[0],
             (long long)D[1], (long long)D[2], dump);
    }
    MPI_Finalize();
    return st;
  }

  strata_grid_t *g = NULL;
  strata_partition_t *part = NULL;
  strata_dmat_t *v[3] = {NULL, NULL, NULL};
  strata_factor_t *f = NULL;
  int32_t *pat = malloc(sizeof(int32_t) * N);
  /* TRACERx: about 4 regions per patient */
  for (int64_t i = 0; i < N; i++) pat[i] = (int32_t)(i / 4);
  int64_t npat = (N + 3) / 4;
  st = strata_grid_create(MPI_COMM_WORLD, 0, 0, N, D[0] + D[1] + D[2], npat, &g);
  if (!st) st = strata_partition_patients(N, pat, npat, NULL, g->nprow, &part);
  double local_bytes = 0;
  for (int m = 0; m < 3 && !st; m++) {
    st = strata_dmat_create(g, part, D[m], &v[m]);
    if (st) break;
    strata_dmat_t *y = v[m];
    double z[KT], *w = malloc(sizeof(double) * (y->nloc + 1) * KT);
    if (!w) { st = STRATA_ERR_MEM; break; }
    for (int64_t d = 0; d < y->nloc; d++)
      for (int k = 0; k < KT; k++) w[d * KT + k] = wt(m, y->col0 + d, k);
    for (int64_t i = 0; i < y->mloc; i++) {
      y->present[i] = (unsigned char)has_view(y->rows[i], m);
      for (int k = 0; k < KT; k++) z[k] = zt(y->rows[i], k);
      for (int64_t d = 0; d < y->nloc; d++)
        y->a[i + d * y->mloc] = value(y->rows[i], m, y->col0 + d, z, w + d * KT);
    }
    free(w);
    local_bytes += 8.0 * (double)(y->mloc * y->nloc);
  }
  double hwm0 = (double)strata_mem_hwm();
  struct rusage ru0, ru1;
  getrusage(RUSAGE_SELF, &ru0);
  double t0 = strata_wtime();
  if (!st) st = strata_factor_fit(3, v, NULL, &o, NULL, &f);
  double t = strata_wtime() - t0;
  getrusage(RUSAGE_SELF, &ru1);
  /* CPU seconds of this rank: on a loaded machine, wall time overstates the work */
  double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
               1e-6 * (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) +
               (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
               1e-6 * (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec), cpumax = cpu;
  MPI_Allreduce(&cpu, &cpumax, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  if (st) {
    if (rank == 0) fprintf(stderr, "bench_factor: %s\n", strata_err_msg());
  } else {
    double mem[3] = {(double)strata_mem_hwm(), local_bytes, hwm0}, mx[3];
    /* wall time outside reductions (waits for other ranks excluded), slowest rank */
    double comp = f->seconds - f->seconds_comm, cmax = comp;
    MPI_Reduce(&comp, &cmax, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    MPI_Reduce(mem, mx, 3, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    /* the ratio of the rank with the largest peak to its own data block */
    double ratio = mem[0] / mem[1], rmax;
    MPI_Reduce(&ratio, &rmax, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0)
      printf("RESULT %s np=%d grid=%dx%d N=%lld D=%lld,%lld,%lld K=%d iters=%lld converged=%d "
             "total_s=%.3f iter_s=%.3f per_iter_s=%.5f compute_per_iter_s=%.5f cpu_per_iter_s=%.5f peak_MB=%.1f data_MB=%.1f peak_over_data=%.3f "
             "final_K=%d elbo=%.8g\n",
             label, size, g->nprow, g->npcol, (long long)N, (long long)D[0], (long long)D[1],
             (long long)D[2], o.k, (long long)f->iterations, f->converged, t,
             f->seconds_iter, f->seconds_iter / (double)f->iterations_run, cmax / (double)f->iterations_run,
             cpumax / (double)f->iterations, mx[0] / 1048576.0, mx[1] / 1048576.0, rmax, f->k,
             f->n_elbo ? f->elbo[f->n_elbo - 1] : NAN);
  }
  strata_factor_destroy(&f);
  for (int m = 0; m < 3; m++) strata_dmat_destroy(&v[m]);
  strata_partition_destroy(&part);
  strata_grid_destroy(&g);
  free(pat);
  MPI_Finalize();
  return st ? 1 : 0;
}
