/* Private to solvers/factor*.c: the two tall-skinny products that stream a view's local block
 * once per iteration each.  Not a general BLAS. */
#ifndef STRATA_FACTOR_KERNELS_H
#define STRATA_FACTOR_KERNELS_H
#include <stdint.h>

/* out (m x k, column-major, ld m) += Y (m x n, ld m) * B (n x k, ld n).  Not collective. */
void strata_factor_ymul(int64_t m, int64_t n, int k, const double *y, const double *b, double *out);
/* out (n x k, column-major, ld n) = Y^T (n x m) * Z (m x k, ld m).  Not collective. */
void strata_factor_ytmul(int64_t m, int64_t n, int k, const double *y, const double *z, double *out);

/* For tests: 1 forces the portable versions, 0 restores the run-time choice. */
void strata_factor_kernels_generic(int on);

#endif
