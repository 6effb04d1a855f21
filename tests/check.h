/* A tiny assertion kit for MPI test programs: every rank checks, failures are counted and
 * agreed at the end (strata_test_finish), and rank 0 prints "N passed, N failed". */
#ifndef STRATA_TEST_CHECK_H
#define STRATA_TEST_CHECK_H
#include <math.h>
#include <mpi.h>
#include <stdio.h>

static int strata_t_pass = 0, strata_t_fail = 0;

#define T_CHECK(cond, ...)                                                       \
  do {                                                                           \
    if (cond) {                                                                  \
      strata_t_pass++;                                                           \
    } else {                                                                     \
      int r_; MPI_Comm_rank(MPI_COMM_WORLD, &r_);                                \
      fprintf(stderr, "[rank %d] FAIL %s:%d: ", r_, __FILE__, __LINE__);         \
      fprintf(stderr, __VA_ARGS__);                                              \
      fprintf(stderr, "\n");                                                     \
      strata_t_fail++;                                                           \
    }                                                                            \
  } while (0)
/* |a-b| <= tol * max(1, |b|) */
#define T_NEAR(a, b, tol, what)                                                  \
  T_CHECK(fabs((double)(a) - (double)(b)) <= (tol) * fmax(1.0, fabs((double)(b))), \
          "%s: %.17g vs %.17g (tol %g)", what, (double)(a), (double)(b), (double)(tol))

/* Collective over MPI_COMM_WORLD: print the totals on rank 0, return the exit code. */
static inline int strata_test_finish(void) {
  int loc[2] = {strata_t_pass, strata_t_fail}, tot[2] = {0, 0}, rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Allreduce(loc, tot, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) printf("%d passed, %d failed\n", tot[0], tot[1]);
  return tot[1] ? 1 : 0;
}
#endif
