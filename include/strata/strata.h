/* The umbrella header of libstrata: everything a program that links the library can call.
 *   base (mpi/):        error, util, grid, rng, state (solver state), events (progress hook)
 *   partition/:         partition, dmat
 *   solvers/:           svd, factor, nmf, ith, outcome
 *   simulate/:          simulate
 *   io/ (with io):      cohort, import, mutations, checkpoint, h5util, h5mu_results, pca_results,
 *                       nmf_results, ith_results, outcome_input, outcome_results, mofa2, simulate_io
 *   monitor/ (with io): monitor, monitor_view
 * strata/version.h says whether this build has io (STRATA_HAVE_IO).  Every header is also
 * usable alone. */
#ifndef STRATA_STRATA_H
#define STRATA_STRATA_H

#include "strata/version.h"

#include "strata/error.h"
#include "strata/util.h"
#include "strata/grid.h"
#include "strata/rng.h"
#include "strata/state.h"
#include "strata/events.h"

#include "strata/partition.h"
#include "strata/dmat.h"

#include "strata/svd.h"
#include "strata/factor.h"
#include "strata/nmf.h"
#include "strata/ith.h"
#include "strata/outcome.h"
#include "strata/simulate.h"

#if STRATA_HAVE_IO
#include "strata/cohort.h"
#include "strata/import.h"
#include "strata/mutations.h"
#include "strata/checkpoint.h"
#include "strata/h5util.h"
#include "strata/h5mu_results.h"
#include "strata/pca_results.h"
#include "strata/nmf_results.h"
#include "strata/ith_results.h"
#include "strata/outcome_input.h"
#include "strata/outcome_results.h"
#include "strata/mofa2.h"
#include "strata/simulate_io.h"
#include "strata/monitor.h"
#include "strata/monitor_view.h"
#endif

#endif
