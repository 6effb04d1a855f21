/* libFuzzer harness: MAF tables (io/mutations.c) through strata_mut_read() at one rank, MesKit
 * or GDC flavour, with the sample table (MesKit's clinical file) and the CCF file joined.
 *
 * Input (fuzz_common.h): flags, then MAF [%% sample table [%% CCF file]].
 *   flag bit 0: GDC MAF (t_ref_count, t_alt_count) instead of MesKit (depths + VAF)
 *   bit 1: --ccf-conf-level 0.9 instead of the default 0.95;  bit 6: every file gzip-compressed
 * Oracle: OK or bad input with a message, and the returned table keeps its documented contract
 * (fuzz_mut.h). */
#include "fuzz_mut.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  fuzz_init();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_part_t part[3];
  unsigned flags;
  int np = fuzz_split(data, size, &flags, part, 3);
  int gz = (flags & FUZZ_GZIP) != 0;
  strata_mut_spec_t spec;
  memset(&spec, 0, sizeof spec);
  spec.format = (flags & 1) ? STRATA_MUT_GDC : STRATA_MUT_MESKIT;
  spec.table = fuzz_write("table.maf", part[0].p, part[0].n, gz);
  if (np > 1) spec.samples = fuzz_write("clin.tsv", part[1].p, part[1].n, gz);
  if (np > 2) spec.ccf = fuzz_write("ccf.tsv", part[2].p, part[2].n, gz);
  spec.ccf_conf_level = (flags & 2) ? 0.9 : 0;
  strata_mut_table_t *t = fuzz_mut_read(&spec);
  strata_mut_table_destroy(&t);
  return 0;
}
