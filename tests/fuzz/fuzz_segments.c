/* libFuzzer harness: allele-specific copy-number segments (io/mutations.c strata_seg_read) at
 * one rank, against the fixed MAF slice of examples/crc_hz (fuzz_fixed.h), read once.
 *
 * Input (fuzz_common.h): flags, then the segment file.   flag bit 6: gzip-compressed
 * Oracle: OK or bad input with a message; a returned table has samples of the mutation table,
 * chromosome codes 0..24, start <= end and copy numbers NaN or >= 0. */
#include "fuzz_fixed.h"
#include "fuzz_mut.h"

static strata_mut_table_t *g_muts;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  fuzz_init();
  strata_mut_spec_t spec = {.format = STRATA_MUT_MESKIT};
  spec.table = fuzz_write("fixed.maf", (const uint8_t *)FUZZ_FIXED_MAF, sizeof FUZZ_FIXED_MAF - 1, 0);
  spec.samples = fuzz_write("fixed_clin.tsv", (const uint8_t *)FUZZ_FIXED_CLIN, sizeof FUZZ_FIXED_CLIN - 1, 0);
  g_muts = fuzz_mut_read(&spec);
  if (!g_muts) fuzz_fail("the fixed MAF slice does not read");
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_part_t part[1];
  unsigned flags;
  fuzz_split(data, size, &flags, part, 1);
  const char *path = fuzz_write("segments.tsv", part[0].p, part[0].n, (flags & FUZZ_GZIP) != 0);
  strata_seg_table_t *t = NULL;
  int st = strata_seg_read(MPI_COMM_SELF, path, g_muts, &t);
  fuzz_status("strata_seg_read", st);
  if (st != 0 && t) fuzz_fail("strata_seg_read failed but returned a table");
  for (int64_t i = 0; t && i < t->n; i++) {
    if (t->sample[i] < 0 || t->sample[i] >= g_muts->nsamples) fuzz_fail("segment %lld: sample %d", (long long)i, t->sample[i]);
    if (t->chrom[i] < 0 || t->chrom[i] > 24) fuzz_fail("segment %lld: chromosome code %d", (long long)i, t->chrom[i]);
    if (t->end[i] < t->start[i]) fuzz_fail("segment %lld: end %lld < start %lld", (long long)i, (long long)t->end[i], (long long)t->start[i]);
    if (t->major[i] < 0 || t->minor[i] < 0 || t->total[i] < 0)
      fuzz_fail("segment %lld: negative copy number %g %g %g", (long long)i, t->major[i], t->minor[i], t->total[i]);
  }
  strata_seg_table_destroy(&t);
  return 0;
}
