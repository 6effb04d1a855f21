/* The warm-up both import harnesses (fuzz_import.c, fuzz_samples.c) run in LLVMFuzzerInitialize:
 * one import before fuzzing, since MPI-IO and HDF5 initialise themselves on the first file
 * written, and what they allocate once must not count as a leak of the first input. */
#ifndef STRATA_FUZZ_IMPORT_WARM_H
#define STRATA_FUZZ_IMPORT_WARM_H
#include <unistd.h>

#include <mpi.h>
#include <sanitizer/lsan_interface.h>

#include "fuzz_common.h"
#include "strata/error.h"
#include "strata/import.h"

static inline void fuzz_import_warm(void) {
  static const char samples[] = "sample\tpatient\nS1\tP1\n", view[] = "sample\tg1\nS1\t1.5\n";
  fuzz_init();
  strata_import_view_t v = {.name = "a", .path = fuzz_write("warm_view.tsv", (const uint8_t *)view, sizeof view - 1, 0)};
  strata_import_opts_t o = {.out = fuzz_path("warm.h5mu"), .nviews = 1, .views = &v};
  o.samples = fuzz_write("warm_samples.tsv", (const uint8_t *)samples, sizeof samples - 1, 0);
  __lsan_disable();
  int st = strata_import(MPI_COMM_SELF, &o, NULL);
  __lsan_enable();
  if (st != STRATA_OK) fuzz_fail("the warm-up import failed: %s", strata_err_msg());
  unlink(o.out);
}
#endif
