/* libFuzzer harness: PyClone-VI output (io/mutations.c, STRATA_MUT_PYCLONE) through
 * strata_mut_read() at one rank, with its sample table.
 *
 * Input (fuzz_common.h): flags, then PyClone-VI table [%% sample table].
 *   flag bit 6: every file gzip-compressed
 * Oracle: as fuzz_maf (without a sample table the reader must refuse with bad input). */
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
  spec.format = STRATA_MUT_PYCLONE;
  spec.table = fuzz_write("pyclone.tsv", part[0].p, part[0].n, gz);
  if (np > 1) spec.samples = fuzz_write("samples.tsv", part[1].p, part[1].n, gz);
  strata_mut_table_t *t = fuzz_mut_read(&spec);
  if (t && !spec.samples) fuzz_fail("PyClone-VI output read without a sample table");
  strata_mut_table_destroy(&t);
  return 0;
}
