/* A downstream program built against an installed libstrata (tests/install/install.sh): a
 * distributed PCA of a matrix with known singular values through the public API only
 * (<strata/strata.h>).  A = 3 u v^T + 2 x y^T with u, x (and v, y) orthonormal: constant and
 * alternating-sign vectors, so the top singular values are exactly 3 and 2, and the rest 0.
 * Prints "pca_demo: ok" on rank 0 and exits 0 when they are found to 1e-10. */
#include <math.h>
#include <stdio.h>

#include <strata/strata.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  const int64_t N = 40, D = 300;
  int st = STRATA_OK, rank = 0, bad = 0;
  strata_grid_t *grid = NULL;
  strata_partition_t *part = NULL;
  strata_dmat_t *a = NULL;
  strata_svd_result_t *r = NULL;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  st = strata_grid_create(MPI_COMM_WORLD, 0, 0, N, D, N, &grid);
  if (!st) st = strata_partition_block(N, grid->nprow, &part);
  if (!st) st = strata_dmat_create(grid, part, D, &a);
  if (!st) {
    for (int64_t j = 0; j < a->nloc; j++)
      for (int64_t i = 0; i < a->mloc; i++) {
        int64_t gi = a->rows[i], gj = a->col0 + j;
        double u = 1 / sqrt((double)N), x = (gi % 2 ? -1.0 : 1.0) / sqrt((double)N);
        double v = 1 / sqrt((double)D), y = (gj % 2 ? -1.0 : 1.0) / sqrt((double)D);
        a->a[i + j * a->mloc] = 3 * u * v + 2 * x * y;
      }
    strata_svd_opts_t o;
    strata_svd_opts_default(&o);
    o.k = 3;
    o.center = 0;
    o.mfa = 0;
    o.method = STRATA_SVD_RANDOMIZED;
    st = strata_svd_compute(1, &a, &o, &r);
  }
  if (!st) {
    bad = fabs(r->s[0] - 3) > 1e-10 || fabs(r->s[1] - 2) > 1e-10 || fabs(r->s[2]) > 1e-10;
    if (rank == 0)
      printf("pca_demo: %d ranks, grid %dx%d, strata %s, s = %.12g %.12g %.3g: %s\n", grid->size,
             grid->nprow, grid->npcol, STRATA_VERSION, r->s[0], r->s[1], r->s[2], bad ? "WRONG" : "ok");
  } else if (rank == 0) {
    fprintf(stderr, "pca_demo: %s\n", strata_err_msg());
  }
  strata_svd_result_destroy(&r);
  strata_dmat_destroy(&a);
  strata_partition_destroy(&part);
  strata_grid_destroy(&grid);
  MPI_Finalize();
  return st ? 2 : bad ? 1 : 0;
}
