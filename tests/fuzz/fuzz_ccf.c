/* libFuzzer harness: the MesKit CCF file (io/mutations.c join_ccf) through strata_mut_read() at
 * one rank, joined to a fixed MAF slice and clinical table of examples/crc_hz (fuzz_fixed.h),
 * so every input reaches the CCF reader and its join.
 *
 * Input (fuzz_common.h): flags, then the CCF file.
 *   flag bit 1: --ccf-conf-level 0.9 instead of the default 0.95;  bit 6: gzip-compressed
 * Oracle: as fuzz_maf; the fixed table without a CCF file must read (checked once). */
#include "fuzz_fixed.h"
#include "fuzz_mut.h"

static const char *g_maf, *g_clin;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  fuzz_init();
  g_maf = fuzz_write("fixed.maf", (const uint8_t *)FUZZ_FIXED_MAF, sizeof FUZZ_FIXED_MAF - 1, 0);
  g_clin = fuzz_write("fixed_clin.tsv", (const uint8_t *)FUZZ_FIXED_CLIN, sizeof FUZZ_FIXED_CLIN - 1, 0);
  strata_mut_spec_t spec = {.format = STRATA_MUT_MESKIT, .table = g_maf, .samples = g_clin};
  strata_mut_table_t *t = fuzz_mut_read(&spec);
  if (!t) fuzz_fail("the fixed MAF slice does not read");
  strata_mut_table_destroy(&t);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_part_t part[1];
  unsigned flags;
  fuzz_split(data, size, &flags, part, 1);
  strata_mut_spec_t spec = {.format = STRATA_MUT_MESKIT, .table = g_maf, .samples = g_clin};
  spec.ccf = fuzz_write("ccf.tsv", part[0].p, part[0].n, (flags & FUZZ_GZIP) != 0);
  spec.ccf_conf_level = (flags & 2) ? 0.9 : 0;
  strata_mut_table_t *t = fuzz_mut_read(&spec);
  if (t && !t->has_ccf) fuzz_fail("a CCF file was read but has_ccf is 0");
  strata_mut_table_destroy(&t);
  return 0;
}
