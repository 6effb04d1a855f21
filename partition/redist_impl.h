/* Private to partition/redist.c and its test: the redistributions with the size of a
 * pdgemr2d piece as a parameter (the public functions pass STRATA_MR2D_PIECE), so a test can
 * drive the piecewise paths that only matrices past 2 GiB per process take otherwise. */
#ifndef STRATA_REDIST_IMPL_H
#define STRATA_REDIST_IMPL_H
#include <stdint.h>

#include "strata/dmat.h"

int strata_dmat_to_blockcyclic_pieces(const strata_dmat_t *m, int mb, int nb, int desc[9],
                                      double **local, int64_t piece);
int strata_dmat_from_blockcyclic_pieces(strata_dmat_t *m, const int desc[9], const double *local,
                                        int64_t piece);
#endif
