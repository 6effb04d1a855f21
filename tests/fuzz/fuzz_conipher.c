/* libFuzzer harness: CONIPHER input tables (io/mutations.c, STRATA_MUT_CONIPHER) through
 * strata_mut_read() at one rank, with an optional sample table.
 *
 * Input (fuzz_common.h): flags, then CONIPHER table [%% sample table].
 *   flag bit 6: every file gzip-compressed
 * Oracle: as fuzz_maf. */
#include "fuzz_mut.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  fuzz_init();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_part_t part[2];
  unsigned flags;
  int np = fuzz_split(data, size, &flags, part, 2);
  int gz = (flags & FUZZ_GZIP) != 0;
  strata_mut_spec_t spec;
  memset(&spec, 0, sizeof spec);
  spec.format = STRATA_MUT_CONIPHER;
  spec.table = fuzz_write("conipher.tsv", part[0].p, part[0].n, gz);
  if (np > 1) spec.samples = fuzz_write("samples.tsv", part[1].p, part[1].n, gz);
  strata_mut_table_t *t = fuzz_mut_read(&spec);
  strata_mut_table_destroy(&t);
  return 0;
}
