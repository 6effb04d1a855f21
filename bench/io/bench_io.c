/* Cohort I/O benchmark: write a synthetic cohort with the parallel writer (one float64 or
 * float32 view, TRACERx-shaped patients of 1-7 regions), or read one view back with
 * strata_cohort_read_view and report bandwidth and per-rank peak memory against the rank's
 * share.  The driver (bench/io/run.sh) compares with the sequential bandwidth of `dd`.
 *   bench_io write PATH NOBS NVAR [4|8]      prints: write <bytes> <seconds>
 *   bench_io read PATH [RxC]                 prints: read <bytes> <seconds> <checksum-ok>
 *                                            and per rank: rank <r> share <B> hwm <B> base <B> cpu <s> */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <hdf5.h>

#include "strata/cohort.h"
#include "strata/util.h"

static double value(int64_t i, int64_t j) { return (double)((i * 131 + j * 7) % 1000) * 0.25; }

static int do_write(MPI_Comm comm, const char *path, int64_t nobs, int64_t nvar, int dtype) {
  int st = STRATA_OK, rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  char **ids = NULL, **pat = NULL, **var = NULL;
  uint32_t *map = NULL;
  double *blk = NULL;
  strata_cohort_writer_t *w = NULL;
  STRATA_CALLOC(map, nobs);
  if (rank == 0) {
    STRATA_CALLOC(ids, nobs);
    STRATA_CALLOC(pat, nobs);
    STRATA_CALLOC(var, nvar);
    int64_t p = 0, left = 0;
    for (int64_t i = 0; i < nobs; i++) {
      if (left == 0) left = 1 + (p * 7919) % 7, p++;
      left--;
      ids[i] = malloc(24);
      pat[i] = malloc(24);
      snprintf(ids[i], 24, "s%07lld", (long long)i);
      snprintf(pat[i], 24, "p%06lld", (long long)p);
    }
    for (int64_t j = 0; j < nvar; j++) {
      var[j] = malloc(24);
      snprintf(var[j], 24, "f%07lld", (long long)j);
    }
  }
  for (int64_t i = 0; i < nobs; i++) map[i] = (uint32_t)(i + 1);
  int vi = -1;
  double t0 = strata_wtime();
  STRATA_CHECK(strata_cohort_writer_create(comm, path, nobs, ids, pat, 0, NULL, &w));
  STRATA_CHECK(strata_cohort_writer_add_view(w, "x", map, nvar, var, dtype, "gaussian", &vi));
  int64_t r0, nr;
  strata_block_range(nobs, size, rank, &r0, &nr);
  int64_t slab = ((int64_t)64 << 20) / (8 * nvar);
  if (slab < 1) slab = 1;
  int64_t mine = (nr + slab - 1) / slab, nslab = 0;
  MPI_Allreduce(&mine, &nslab, 1, MPI_INT64_T, MPI_MAX, comm);
  STRATA_MALLOC(blk, slab * nvar);
  for (int64_t s = 0; s < nslab; s++) {
    int64_t a = r0 + s * slab, n = s < mine ? (a + slab > r0 + nr ? r0 + nr - a : slab) : 0;
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = 0; j < nvar; j++) blk[i * nvar + j] = value(a + i, j);
    STRATA_CHECK(strata_cohort_writer_write_block(w, vi, n ? a : 0, n, 0, nvar, blk));
  }
  STRATA_CHECK(strata_cohort_writer_commit(&w));
  double t = strata_wtime() - t0;
  if (rank == 0) printf("write %lld %.3f\n", (long long)(nobs * nvar * dtype), t);
cleanup:
  strata_cohort_writer_abort(&w);
  free(blk);
  free(map);
  for (int64_t i = 0; ids && i < nobs; i++) free(ids[i]), free(pat[i]);
  for (int64_t j = 0; var && j < nvar; j++) free(var[j]);
  free(ids);
  free(pat);
  free(var);
  return st;
}

static int do_read(MPI_Comm comm, const char *path, int pr, int pc) {
  int st = STRATA_OK, rank, size;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  strata_cohort_t *c = NULL;
  strata_grid_t *g = NULL;
  strata_partition_t *part = NULL;
  strata_dmat_t *m = NULL;
  STRATA_CHECK(strata_cohort_open(comm, path, NULL, 0, &c));
  if (pr <= 0) pr = size, pc = 1;
  STRATA_CHECK(strata_grid_create(comm, pr, pc, c->nobs, c->views[0].nvar, c->npatients, &g));
  STRATA_CHECK(strata_partition_patients(c->nobs, c->patient, c->npatients, NULL, g->nprow, &part));
  int64_t base = strata_mem_rss();
  struct rusage ru0, ru1;
  getrusage(RUSAGE_SELF, &ru0);
  MPI_Barrier(comm);
  double t0 = strata_wtime();
  STRATA_CHECK(strata_cohort_read_view(c, 0, g, part, &m));
  MPI_Barrier(comm);
  double t = strata_wtime() - t0;
  getrusage(RUSAGE_SELF, &ru1);
  /* CPU seconds this rank spent in read_view (user + system): tells CPU-bound from I/O-bound */
  double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
               1e-6 * (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec);
  int64_t hwm = strata_mem_hwm();
  /* spot-check the values: every 97th entry against the closed form */
  int64_t bad = 0, tot = 0;
  for (int64_t j = 0; j < m->nloc; j += 7)
    for (int64_t i = 0; i < m->mloc; i += 97, tot++) bad += m->a[j * m->mloc + i] != value(m->rows[i], m->col0 + j);
  MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT64_T, MPI_SUM, comm);
  int64_t share = m->mloc * m->nloc * 8;
  if (rank == 0)
    printf("read %lld %.3f %s\n", (long long)(c->nobs * c->views[0].nvar * c->views[0].dtype_bytes), t,
           bad ? "values-WRONG" : "values-ok");
  fflush(stdout);
  for (int r = 0; r < size; r++) {
    MPI_Barrier(comm);
    if (r == rank) {
      printf("rank %d share %lld hwm %lld base %lld cpu %.3f\n", rank, (long long)share, (long long)hwm, (long long)base, cpu);
      fflush(stdout);
    }
  }
  if (bad) STRATA_FAIL(STRATA_ERR_INTERNAL, "read back %lld wrong values", (long long)bad);
cleanup:
  strata_dmat_destroy(&m);
  strata_partition_destroy(&part);
  strata_grid_destroy(&g);
  strata_cohort_close(&c);
  return st;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm comm = MPI_COMM_WORLD;
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  int st = STRATA_ERR_USAGE, rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (argc >= 5 && strcmp(argv[1], "write") == 0) {
    st = do_write(comm, argv[2], atoll(argv[3]), atoll(argv[4]), argc > 5 ? atoi(argv[5]) : 8);
  } else if (argc >= 3 && strcmp(argv[1], "read") == 0) {
    int pr = 0, pc = 0;
    if (argc > 3 && sscanf(argv[3], "%dx%d", &pr, &pc) != 2) pr = pc = 0;
    st = do_read(comm, argv[2], pr, pc);
  } else if (rank == 0) {
    fprintf(stderr, "usage: bench_io write PATH NOBS NVAR [4|8] | bench_io read PATH [RxC]\n");
  }
  st = strata_agree(comm, st);
  if (st && st != STRATA_ERR_USAGE && rank == 0) fprintf(stderr, "bench_io: %s\n", strata_err_msg());
  MPI_Finalize();
  return st ? 1 : 0;
}
