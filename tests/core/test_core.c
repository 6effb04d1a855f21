/* Core layer: grid shapes and communicators, cross-rank agreement (one rank fails), patient
 * partition invariants, dmat gather/scatter round trip, counter-based RNG determinism. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "strata/dmat.h"
#include "strata/grid.h"
#include "strata/partition.h"
#include "strata/rng.h"

static void test_agree(void) {
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  strata_err_clear();
  int st = strata_agree(MPI_COMM_WORLD, STRATA_OK);
  T_CHECK(st == STRATA_OK, "agree all ok");
  /* only the last rank fails: every rank must get its status and message */
  int mine = STRATA_OK;
  if (rank == size - 1)
    mine = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__, "x.tsv:3: bad cell");
  st = strata_agree(MPI_COMM_WORLD, mine);
  T_CHECK(st == STRATA_ERR_INPUT, "agreed status %d", st);
  T_CHECK(strcmp(strata_err_msg(), "x.tsv:3: bad cell") == 0, "message '%s'", strata_err_msg());
  T_CHECK(strata_err_rank() == size - 1, "failing rank %d", strata_err_rank());
  /* agreeing again (every rank now "fails") keeps the rank that detected the error */
  st = strata_agree(MPI_COMM_WORLD, st);
  T_CHECK(st == STRATA_ERR_INPUT && strata_err_rank() == size - 1, "detector kept after re-agreement: %d",
          strata_err_rank());
  T_CHECK(strcmp(strata_err_msg(), "x.tsv:3: bad cell") == 0, "message kept '%s'", strata_err_msg());
  strata_err_clear();
  /* a worse error on another rank wins */
  mine = rank == 0 ? strata_err_set(STRATA_ERR_IO, NULL, 0, NULL, "io") : STRATA_OK;
  if (size > 1 && rank == 1) mine = strata_err_set(STRATA_ERR_INTERNAL, NULL, 0, NULL, "bug");
  st = strata_agree(MPI_COMM_WORLD, mine);
  T_CHECK(st == (size > 1 ? STRATA_ERR_INTERNAL : STRATA_ERR_IO), "severity order %d", st);
  T_CHECK(strata_exit_code(STRATA_ERR_INPUT) == 2 && strata_exit_code(STRATA_ERR_USAGE) == 1 &&
              strata_exit_code(STRATA_INTERRUPTED) == 6,
          "exit codes");
  strata_err_clear();
}

static void test_grid(void) {
  int size;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int shapes[][2] = {{0, 0}, {1, size}, {size, 1}, {2, size / 2}};
  for (int s = 0; s < 4; s++) {
    if (shapes[s][0] * shapes[s][1] != size && shapes[s][0] != 0) continue;
    strata_grid_t *g = NULL;
    int st = strata_grid_create(MPI_COMM_WORLD, shapes[s][0], shapes[s][1], 100, 1000, 0, &g);
    T_CHECK(st == STRATA_OK, "grid create %dx%d", shapes[s][0], shapes[s][1]);
    if (st) continue;
    int rs, cs;
    MPI_Comm_size(g->rowcomm, &rs);
    MPI_Comm_size(g->colcomm, &cs);
    T_CHECK(rs == g->npcol && cs == g->nprow, "row/col comm sizes %d %d", rs, cs);
    T_CHECK(g->nprow * g->npcol == size, "grid covers ranks");
    /* the sum of ranks over my grid row equals the closed form */
    int sum = 0;
    MPI_Allreduce(&g->rank, &sum, 1, MPI_INT, MPI_SUM, g->rowcomm);
    int expect = g->myrow * g->npcol * g->npcol + g->npcol * (g->npcol - 1) / 2;
    T_CHECK(sum == expect, "rowcomm membership %d vs %d", sum, expect);
    strata_grid_destroy(&g);
    T_CHECK(g == NULL, "destroy nulls");
  }
  /* a wrong shape fails on every rank with a usage error */
  strata_grid_t *g = NULL;
  int st = strata_grid_create(MPI_COMM_WORLD, size + 1, 1, 10, 10, 0, &g);
  st = strata_agree(MPI_COMM_WORLD, st);
  T_CHECK(st == STRATA_ERR_USAGE && g == NULL, "bad grid shape rejected");
  strata_err_clear();
  int r, c;
  strata_grid_choose(4, 1000, 1000000, 0, &r, &c);
  T_CHECK(r == 1 && c == 4, "wide matrix -> 1x4 (got %dx%d)", r, c);
  strata_grid_choose(4, 1000000, 1000, 0, &r, &c);
  T_CHECK(r == 4 && c == 1, "tall matrix -> 4x1 (got %dx%d)", r, c);
  strata_grid_choose(4, 100000, 100000, 0, &r, &c);
  T_CHECK(r == 2 && c == 2, "square -> 2x2 (got %dx%d)", r, c);
  strata_grid_choose(4, 1000000, 1000, 2, &r, &c);
  T_CHECK(r == 2 && c == 2, "2 patients cap rows (got %dx%d)", r, c);
}

static void test_partition(void) {
  /* 30 patients with 1..7 regions, interleaved order to exercise non-contiguous patients */
  int64_t n = 0;
  int32_t patient[300];
  for (int p = 0; p < 30; p++)
    for (int k = 0; k < 1 + p % 7; k++) patient[n++] = p;
  for (int64_t i = 0; i + 3 < n; i += 4) { /* shuffle deterministically */
    int32_t t = patient[i];
    patient[i] = patient[i + 3];
    patient[i + 3] = t;
  }
  for (int nparts = 1; nparts <= 5; nparts++) {
    strata_partition_t *p = NULL;
    int st = strata_partition_patients(n, patient, 30, NULL, nparts, &p);
    T_CHECK(st == STRATA_OK, "partition %d", nparts);
    if (st) continue;
    int *seen = calloc((size_t)n, sizeof *seen);
    for (int q = 0; q < nparts; q++) {
      const int64_t *rows = strata_partition_rows(p, q);
      for (int64_t k = 0; k < strata_partition_count(p, q); k++) {
        seen[rows[k]]++;
        T_CHECK(p->part[rows[k]] == q, "order consistent with part");
        if (k) T_CHECK(rows[k] > rows[k - 1], "ascending within part");
      }
    }
    int once = 1, intact = 1;
    for (int64_t i = 0; i < n; i++) once &= seen[i] == 1;
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = 0; j < n; j++)
        if (patient[i] == patient[j] && p->part[i] != p->part[j]) intact = 0;
    T_CHECK(once, "every sample exactly once (%d parts)", nparts);
    T_CHECK(intact, "patients intact (%d parts)", nparts);
    /* balanced to within one patient (max 7 regions) of the mean */
    double mean = (double)n / nparts, mx = 0;
    for (int q = 0; q < nparts; q++) mx = fmax(mx, p->load[q]);
    T_CHECK(mx <= mean + 7, "balance: max load %g, mean %g", mx, mean);
    T_NEAR(p->imbalance, mx / mean, 1e-12, "imbalance reported");
    free(seen);
    strata_partition_destroy(&p);
  }
}

static void test_dmat(void) {
  int size;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int64_t M = 23, N = 17;
  int32_t patient[23];
  for (int i = 0; i < M; i++) patient[i] = i / 3;
  double *full = malloc(M * N * sizeof *full);
  for (int64_t j = 0; j < N; j++)
    for (int64_t i = 0; i < M; i++) full[j * M + i] = strata_rng_normal_at(7, 1, (uint64_t)(j * M + i));
  int shapes[][2] = {{1, size}, {size, 1}, {2, size / 2}};
  for (int s = 0; s < 3; s++) {
    if (shapes[s][0] * shapes[s][1] != size) continue;
    strata_grid_t *g = NULL;
    strata_partition_t *p = NULL;
    strata_dmat_t *m = NULL;
    double *back = NULL;
    int st = strata_grid_create(MPI_COMM_WORLD, shapes[s][0], shapes[s][1], M, N, 0, &g);
    if (!st) st = strata_partition_patients(M, patient, 8, NULL, g->nprow, &p);
    if (!st) st = strata_dmat_create(g, p, N, &m);
    if (!st) st = strata_dmat_scatter_replicated(m, full);
    if (!st) st = strata_dmat_gather(m, 0, &back);
    T_CHECK(st == STRATA_OK, "dmat round trip status");
    if (!st && g->rank == 0) T_CHECK(memcmp(back, full, M * N * sizeof *full) == 0, "gather(scatter(A)) == A bit-exact");
    free(back);
    strata_dmat_destroy(&m);
    strata_partition_destroy(&p);
    strata_grid_destroy(&g);
  }
  free(full);
}

static void test_rng(void) {
  strata_rng_t r;
  strata_rng_init(&r, 42, 3);
  double a = strata_rng_normal(&r), b = strata_rng_normal(&r);
  T_CHECK(a == strata_rng_normal_at(42, 3, 0) && b == strata_rng_normal_at(42, 3, 1), "stream = stateless draws");
  /* moments of 200k normals: mean 0 +- 0.01, variance 1 +- 0.02 */
  double s = 0, s2 = 0;
  for (int i = 0; i < 200000; i++) {
    double x = strata_rng_normal_at(1, 0, (uint64_t)i);
    s += x;
    s2 += x * x;
  }
  T_CHECK(fabs(s / 200000) < 0.01 && fabs(s2 / 200000 - 1) < 0.02, "normal moments %g %g", s / 200000, s2 / 200000);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  test_agree();
  test_grid();
  test_partition();
  test_dmat();
  test_rng();
  int rc = strata_test_finish();
  MPI_Finalize();
  return rc;
}
