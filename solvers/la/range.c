/* The randomized range finder shared by the factor model's start and NMF's NNDSVD start: a
 * Gaussian sketch by global feature index, q power iterations, each product orthonormalised by
 * strata_la_tsqr.  The SVD solver keeps its own loop (solvers/svd/randomized.c) for its fused
 * passes and deferred preprocessing, on the same TSQR. */
#include <stdlib.h>

#include "solvers/la/la.h"
#include "strata/rng.h"
#include "strata/util.h"

#define LD(n) ((n) > 0 ? (n) : 1)

void strata_la_omega_normal(uint64_t seed, uint64_t stream, int64_t col0, int64_t nloc, int l,
                            double *X, int64_t ldx) {
  for (int c = 0; c < l; c++)
    for (int64_t j = 0; j < nloc; j++)
      X[j + c * ldx] = strata_rng_normal_at(seed, stream, (uint64_t)((col0 + j) * l + c));
}

int strata_la_range(const strata_la_op_t *op, int l, int q, double *Q, double *B) {
  int st = STRATA_OK;
  const strata_grid_t *g = op->grid;
  double *X = B, *own = NULL;
  if (!X) {
    STRATA_MALLOC(own, (size_t)LD(op->nloc) * l);
    X = own;
  }
  op->omega(op->ctx, l, X);
  STRATA_CHECK(op->apply(op->ctx, l, X, Q));
  STRATA_CHECK(strata_la_tsqr(g->colcomm, op->mloc, l, Q, LD(op->mloc), NULL));
  for (int it = 0; it < q; it++) {
    STRATA_CHECK(op->apply_t(op->ctx, l, Q, X));
    STRATA_CHECK(strata_la_tsqr(g->rowcomm, op->nloc, l, X, LD(op->nloc), NULL));
    STRATA_CHECK(op->apply(op->ctx, l, X, Q));
    STRATA_CHECK(strata_la_tsqr(g->colcomm, op->mloc, l, Q, LD(op->mloc), NULL));
  }
  if (B) STRATA_CHECK(op->apply_t(op->ctx, l, Q, B));
cleanup:
  free(own);
  return st;
}
