/* NMF benchmark driver (issue 8): reads a raw row-major float64 N x D matrix (written by
 * bench/nmf/run.sh, the same file scikit-learn reads), distributes it on the grid, runs
 * strata's NMF and prints one JSON line on rank 0: set-up and per-iteration time, iterations,
 * exact final relative error and the relative-error trace (to find when a given error was
 * reached).  Not a test: no pass/fail. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "strata/dmat.h"
#include "strata/grid.h"
#include "strata/nmf.h"
#include "strata/partition.h"
#include "strata/util.h"

/* Each rank reads its rows x column block, one pread per row. */
static int read_block(const char *path, strata_dmat_t *y) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  double *row = malloc(sizeof(double) * (size_t)(y->nloc ? y->nloc : 1));
  int bad = !row;
  for (int64_t i = 0; i < y->mloc && !bad; i++) {
    off_t off = (off_t)((y->rows[i] * y->ncols + y->col0) * (int64_t)sizeof(double));
    size_t want = sizeof(double) * (size_t)y->nloc, got = 0;
    while (got < want) {
      ssize_t r = pread(fd, (char *)row + got, want - got, off + (off_t)got);
      if (r <= 0) {
        bad = 1;
        break;
      }
      got += (size_t)r;
    }
    for (int64_t j = 0; j < y->nloc && !bad; j++) y->a[i + j * y->mloc] = row[j];
  }
  free(row);
  close(fd);
  return bad ? -1 : 0;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const char *data = NULL, *solver = "hals", *init = "nndsvda";
  int64_t N = 0, D = 0;
  int nprow = 0, npcol = 0;
  strata_nmf_opts_t o;
  strata_nmf_opts_default(&o);
  o.k = 10;
  static const struct option lo[] = {{"data", 1, NULL, 'f'},    {"n", 1, NULL, 'n'},
                                     {"d", 1, NULL, 'd'},       {"k", 1, NULL, 'k'},
                                     {"solver", 1, NULL, 's'},  {"init", 1, NULL, 'i'},
                                     {"tol", 1, NULL, 't'},     {"max-iter", 1, NULL, 'm'},
                                     {"compress", 1, NULL, 'c'}, {"grid", 1, NULL, 'g'},
                                     {"inner", 1, NULL, 'r'},
                                     {NULL, 0, NULL, 0}};
  int ch;
  while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
    switch (ch) {
    case 'f': data = optarg; break;
    case 'n': N = atoll(optarg); break;
    case 'd': D = atoll(optarg); break;
    case 'k': o.k = atoi(optarg); break;
    case 's': solver = optarg; break;
    case 'i': init = optarg; break;
    case 't': o.tol = atof(optarg); break;
    case 'm': o.max_iter = atoll(optarg); break;
    case 'c': o.compress = atoi(optarg); break;
    case 'r': o.inner = atoi(optarg); break;
    case 'g': sscanf(optarg, "%dx%d", &nprow, &npcol); break;
    default: MPI_Abort(MPI_COMM_WORLD, 1);
    }
  }
  if (!data || N <= 0 || D <= 0) {
    if (rank == 0) fprintf(stderr, "usage: bench_nmf --data FILE --n N --d D [--k K] [--solver hals|anls|mu]\n"
                                   "       [--init random|nndsvd|nndsvda] [--tol X] [--max-iter N] [--compress L] [--grid RxC]\n");
    MPI_Finalize();
    return 1;
  }
  o.solver = strcmp(solver, "anls") == 0 ? STRATA_NMF_ANLS : strcmp(solver, "mu") == 0 ? STRATA_NMF_MU : STRATA_NMF_HALS;
  o.init = strcmp(init, "random") == 0 ? STRATA_NMF_INIT_RANDOM
           : strcmp(init, "nndsvd") == 0 ? STRATA_NMF_INIT_NNDSVD : STRATA_NMF_INIT_NNDSVDA;
  strata_grid_t *g = NULL;
  strata_partition_t *part = NULL;
  strata_dmat_t *y = NULL;
  strata_nmf_t *p = NULL;
  strata_nmf_result_t *res = NULL;
  int st = strata_grid_create(MPI_COMM_WORLD, nprow, npcol, N, D, 0, &g);
  if (!st) st = strata_partition_block(N, g->nprow, &part);
  if (!st) st = strata_dmat_create(g, part, D, &y);
  double t0 = strata_wtime();
  if (!st && read_block(data, y) != 0) st = strata_err_set(STRATA_ERR_IO, __FILE__, __LINE__, __func__, "cannot read %s: %s", data, strerror(errno));
  st = strata_agree(MPI_COMM_WORLD, st);
  double tread = strata_wtime() - t0;
  double ss = 0.0; /* ||Y||^2, to turn the objective trace into relative errors */
  for (int64_t q = 0; !st && q < y->mloc * y->nloc; q++) ss += y->a[q] * y->a[q];
  MPI_Allreduce(MPI_IN_PLACE, &ss, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  if (!st) st = strata_nmf_create(g, 1, &y, NULL, STRATA_NMF_NEG_ERROR, NULL, &p);
  MPI_Barrier(MPI_COMM_WORLD);
  t0 = strata_wtime();
  /* CPU seconds too: the machine is shared, and wall time then measures the neighbours */
  double c0 = (double)clock() / CLOCKS_PER_SEC;
  if (!st) st = strata_nmf_solve(p, &o, &res);
  double tsolve = strata_wtime() - t0, cpu = (double)clock() / CLOCKS_PER_SEC - c0;
  MPI_Allreduce(MPI_IN_PLACE, &cpu, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  double loop_cpu = res ? res->cpu_seconds : 0.0;
  MPI_Allreduce(MPI_IN_PLACE, &loop_cpu, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  if (st) {
    if (rank == 0) fprintf(stderr, "bench_nmf: %s\n", strata_err_msg());
  } else if (rank == 0) {
    printf("{\"np\": %d, \"grid\": \"%dx%d\", \"solver\": \"%s\", \"init\": \"%s\", \"compress\": %d, "
           "\"inner\": %d, \"k\": %d, \"n\": %lld, \"d\": %lld, \"read_sec\": %.4f, \"setup_sec\": %.4f, "
           "\"loop_sec\": %.4f, \"solve_cpu_sec\": %.4f, \"loop_cpu_sec\": %.4f, \"iterations\": %lld, \"sec_per_iter\": %.6f, \"converged\": %d, "
           "\"rel_error\": %.10g, \"rel_trace\": [",
           size, g->nprow, g->npcol, solver, init, o.compress, o.inner, o.k, (long long)N, (long long)D,
           tread, tsolve - res->seconds, res->seconds, cpu, loop_cpu, (long long)res->iterations,
           res->seconds / (double)res->iterations, res->converged, res->rel_error);
    for (int64_t t = 0; t < res->iterations; t++) printf("%s%.6g", t ? ", " : "", sqrt(fmax(res->objective[t], 0.0) / ss));
    printf("]}\n");
  }
  strata_nmf_result_destroy(&res);
  strata_nmf_destroy(&p);
  strata_dmat_destroy(&y);
  strata_partition_destroy(&part);
  strata_grid_destroy(&g);
  MPI_Finalize();
  return st ? 1 : 0;
}
