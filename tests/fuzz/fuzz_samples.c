/* libFuzzer harness: the samples table of `strata import` (io/import.c read_samples over
 * io/tsv.c), alone: strata_import() with no view at one rank writes a cohort of samples only,
 * so every byte of the input is the samples table and its covariate columns.
 *
 * Input (fuzz_common.h): flags, then the samples table.
 *   flag bit 0: --sample-column sample;  bit 1: --patient-column patient
 *   bit 3: file named .csv;  bit 6: gzip-compressed
 * Oracle: OK or bad input with a message; nothing left behind after a failure; after success
 * 1 <= patients <= samples. */
#include <string.h>
#include <unistd.h>

#include <mpi.h>
#include <sanitizer/lsan_interface.h>

#include "fuzz_common.h"
#include "fuzz_import_warm.h"
#include "strata/error.h"
#include "strata/import.h"

/* One import before fuzzing (fuzz_import_warm.h). */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  fuzz_import_warm();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_part_t part[1];
  unsigned flags;
  fuzz_split(data, size, &flags, part, 1);
  int gz = (flags & FUZZ_GZIP) != 0;
  strata_import_opts_t o;
  memset(&o, 0, sizeof o);
  o.samples = fuzz_write((flags & 8) ? "samples.csv" : "samples.tsv", part[0].p, part[0].n, gz);
  o.sample_column = (flags & 1) ? "sample" : NULL;
  o.patient_column = (flags & 2) ? "patient" : NULL;
  o.out = fuzz_path("out.h5mu");
  o.nviews = 0;
  strata_import_summary_t sum;
  int st = strata_import(MPI_COMM_SELF, &o, &sum);
  fuzz_status("strata_import (samples table only)", st);
  if (st == STRATA_OK) {
    if (access(o.out, F_OK) != 0) fuzz_fail("strata_import returned OK but wrote no %s", o.out);
    unlink(o.out);
    if (sum.nobs < 1 || sum.npatients < 1 || sum.npatients > sum.nobs)
      fuzz_fail("summary: %lld samples, %lld patients", (long long)sum.nobs, (long long)sum.npatients);
  }
  const char *stray = fuzz_stray();
  if (stray) fuzz_fail("strata_import left '%s' behind", stray);
  return 0;
}
