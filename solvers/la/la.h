/* Private to solvers/: the distributed dense linear algebra every factorisation shares -- one
 * tall-skinny QR and one randomized range finder over an operator given as two products.
 * The thin-block kernels they run on are in kernels.h.  Not a public API. */
#ifndef STRATA_SOLVERS_LA_H
#define STRATA_SOLVERS_LA_H
#include <mpi.h>
#include <stdint.h>

#include "strata/grid.h"

/* Collective over comm: in-place QR of the m x l block A (ld lda) whose rows, stacked over the
 * ranks of comm in rank order, form a tall matrix: A becomes this rank's rows of Q and R
 * (l x l, ld l, may be NULL) the replicated triangular factor.  Any m >= 0 is allowed.
 * CholeskyQR2 when the block is well conditioned (estimate < 1e6), else Householder TSQR,
 * whose Q stays orthonormal also for a rank-deficient block. */
int strata_la_tsqr(MPI_Comm comm, int64_t m, int l, double *A, int64_t lda, double *R);

/* A linear operator A (N x D) on the process grid, given by its products with thin blocks.
 * "Sample side" blocks have mloc local rows (a grid row's samples, stacked over colcomm);
 * "feature side" blocks have nloc local rows (a grid column's features, stacked over rowcomm);
 * both column-major with leading dimension max(1, rows). */
typedef struct strata_la_op {
  const strata_grid_t *grid;
  int64_t mloc, nloc;
  void *ctx;
  /* Y (mloc x l) = A X, X (nloc x l).  Collective over grid->rowcomm. */
  int (*apply)(void *ctx, int l, const double *X, double *Y);
  /* X (nloc x l) = A^T Z, Z (mloc x l).  Collective over grid->colcomm. */
  int (*apply_t)(void *ctx, int l, const double *Z, double *X);
  /* Fill X (nloc x l) with the test matrix: entries must be a function of global feature
   * indices only, so that every grid draws the same sketch.  Not collective. */
  void (*omega)(void *ctx, int l, double *X);
} strata_la_op_t;

/* Fill rows [0, nloc) of X (ld ldx, l columns) with standard normals from the counter RNG:
 * entry (j, c) is strata_rng_normal_at(seed, stream, (col0 + j) * l + c) -- a function of the
 * global feature index col0 + j only.  Not collective. */
void strata_la_omega_normal(uint64_t seed, uint64_t stream, int64_t col0, int64_t nloc, int l,
                            double *X, int64_t ldx);

/* Collective over grid->comm: randomized range finder (Halko, Martinsson & Tropp 2011, alg.
 * 4.4): Q (mloc x l) an orthonormal basis of range((A A^T)^q A Omega), every product
 * re-orthonormalised by strata_la_tsqr; B (nloc x l, may be NULL) = A^T Q on return.
 * Extra memory: one feature-side block when B is NULL. */
int strata_la_range(const strata_la_op_t *op, int l, int q, double *Q, double *B);

#endif
