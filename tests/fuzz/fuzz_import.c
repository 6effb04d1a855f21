/* libFuzzer harness: `strata import`'s readers (io/import.c over io/tsv.c) through
 * strata_import() at one rank: a samples table and one or two view matrices, TSV or CSV, plain
 * or gzip, by rows or by columns, with the log1p and bernoulli checks.
 *
 * Input (fuzz_common.h): flags, then samples table %% view a [%% view b].
 *   flag bit 0: view a has samples as columns (--by-column); bit 4 flips it for view b
 *   bit 1: log1p on every view;  bit 2: bernoulli likelihood;  bit 3: files named .csv
 *   bit 5: --nonfinite missing;  bit 6: every file gzip-compressed;  bit 7: --float32
 * Oracle: OK or bad input with a message; after a failure no output (and no temporary file)
 * is left; after success the cohort exists and the summary's shapes are consistent. */
#include <stdio.h>
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
  fuzz_part_t part[3];
  unsigned flags;
  int np = fuzz_split(data, size, &flags, part, 3);
  if (np < 2) return -1; /* no view: fuzz_samples covers a samples table alone */
  int gz = (flags & FUZZ_GZIP) != 0, csv = (flags & 8) != 0;
  const char *samples = fuzz_write(csv ? "samples.csv" : "samples.tsv", part[0].p, part[0].n, gz);
  strata_import_view_t v[2];
  memset(v, 0, sizeof v);
  for (int k = 0; k + 1 < np; k++) {
    char name[32];
    snprintf(name, sizeof name, "view%d.%s", k, csv ? "csv" : "tsv");
    v[k].name = k == 0 ? "a" : "b";
    v[k].path = fuzz_write(name, part[k + 1].p, part[k + 1].n, gz);
    v[k].by_column = (flags & 1) ^ (k == 1 ? (flags >> 4) & 1 : 0);
    v[k].log1p = (flags & 2) != 0;
    v[k].likelihood = (flags & 4) ? "bernoulli" : NULL;
  }
  strata_import_opts_t o;
  memset(&o, 0, sizeof o);
  o.out = fuzz_path("out.h5mu");
  o.samples = samples;
  o.nviews = np - 1;
  o.views = v;
  o.dtype_bytes = (flags & 0x80) ? 4 : 8;
  o.nonfinite_missing = (flags & 0x20) != 0;
  o.block_bytes = 64; /* blocks of a line or two: the streaming path's edges on small inputs */
  strata_import_summary_t sum;
  int st = strata_import(MPI_COMM_SELF, &o, &sum);
  fuzz_status("strata_import", st);
  if (st != STRATA_OK) {
    const char *stray = fuzz_stray();
    if (stray) fuzz_fail("strata_import failed but left '%s' behind", stray);
    return 0;
  }
  if (access(o.out, F_OK) != 0) fuzz_fail("strata_import returned OK but wrote no %s", o.out);
  unlink(o.out);
  const char *stray = fuzz_stray();
  if (stray) fuzz_fail("strata_import left '%s' behind", stray);
  if (sum.nobs < 1 || sum.npatients < 1 || sum.npatients > sum.nobs)
    fuzz_fail("summary: %lld samples, %lld patients", (long long)sum.nobs, (long long)sum.npatients);
  for (int k = 0; k < o.nviews; k++)
    if (sum.rows[k] < 1 || sum.rows[k] > sum.nobs || sum.vars[k] < 1)
      fuzz_fail("summary: view %d is %lld x %lld of %lld samples", k, (long long)sum.rows[k],
                (long long)sum.vars[k], (long long)sum.nobs);
  return 0;
}
