/* Shared by the mutation-table harnesses: read a table with strata_mut_read at one rank, check
 * the documented contract of what it returns (strata/mutations.h), and free it. */
#ifndef STRATA_FUZZ_MUT_H
#define STRATA_FUZZ_MUT_H
#include <math.h>
#include <string.h>

#include <mpi.h>

#include "fuzz_common.h"
#include "strata/mutations.h"

/* Every index in range, every name set, one rank owns every patient, the kept rows add up,
 * depths -1 or >= 0, VAF and CCF NaN or in [0, 1], clusters -1 or >= 0, lines >= 1. */
static void fuzz_check_mut(const strata_mut_table_t *t) {
  if (t->nsamples < 1 || t->npatients < 1 || t->ntumors < 1 || t->n < 0)
    fuzz_fail("mut table: %lld samples, %lld patients, %lld tumors, %lld rows", (long long)t->nsamples,
              (long long)t->npatients, (long long)t->ntumors, (long long)t->n);
  for (int64_t s = 0; s < t->nsamples; s++) {
    if (!t->sample_names[s]) fuzz_fail("mut table: sample %lld has no name", (long long)s);
    if (t->sample_patient[s] < 0 || t->sample_patient[s] >= t->npatients || t->sample_tumor[s] < 0 ||
        t->sample_tumor[s] >= t->ntumors)
      fuzz_fail("mut table: sample %lld -> patient %d, tumor %d", (long long)s, t->sample_patient[s], t->sample_tumor[s]);
  }
  int64_t rows = 0;
  for (int64_t p = 0; p < t->npatients; p++) {
    if (!t->patient_names[p]) fuzz_fail("mut table: patient %lld has no name", (long long)p);
    if (t->patient_owner[p] != 0) fuzz_fail("mut table: patient %lld owned by rank %d of 1", (long long)p, t->patient_owner[p]);
    rows += t->patient_rows[p];
  }
  if (rows != t->n) fuzz_fail("mut table: %lld rows stored, patients count %lld", (long long)t->n, (long long)rows);
  for (int64_t k = 0; k < t->ntumors; k++)
    if (!t->tumor_names[k] || t->tumor_patient[k] < 0 || t->tumor_patient[k] >= t->npatients)
      fuzz_fail("mut table: tumor %lld", (long long)k);
  for (int64_t i = 0; i < t->n; i++) {
    if (t->sample[i] < 0 || t->sample[i] >= t->nsamples) fuzz_fail("row %lld: sample %d", (long long)i, t->sample[i]);
    if (t->chrom[i] < 0 || t->chrom[i] >= t->nstrings || t->ref[i] < -1 || t->ref[i] >= t->nstrings ||
        t->alt[i] < -1 || t->alt[i] >= t->nstrings)
      fuzz_fail("row %lld: string index out of range", (long long)i);
    if (t->ref_depth[i] < -1 || t->alt_depth[i] < -1)
      fuzz_fail("row %lld: depths %d %d", (long long)i, t->ref_depth[i], t->alt_depth[i]);
    if (!isnan(t->vaf[i]) && !(t->vaf[i] >= 0 && t->vaf[i] <= 1))
      fuzz_fail("row %lld (line %lld): VAF %g outside [0,1]", (long long)i, (long long)t->line[i], t->vaf[i]);
    if (!isnan(t->ccf[i]) && !(t->ccf[i] >= 0 && t->ccf[i] <= 1))
      fuzz_fail("row %lld (line %lld): CCF %g outside [0,1]", (long long)i, (long long)t->line[i], t->ccf[i]);
    if (t->cluster[i] < -1) fuzz_fail("row %lld: cluster %d", (long long)i, t->cluster[i]);
    if (t->line[i] < 1) fuzz_fail("row %lld: line %lld", (long long)i, (long long)t->line[i]);
    if (t->nonsyn[i] > 1 || t->snp[i] > 1) fuzz_fail("row %lld: flags %d %d", (long long)i, t->nonsyn[i], t->snp[i]);
  }
  for (int64_t k = 0; k < t->nstrings; k++)
    if (!t->strings[k]) fuzz_fail("mut table: string %lld is NULL", (long long)k);
}

/* strata_mut_read at one rank + the oracle; returns the table (caller destroys) or NULL. */
static strata_mut_table_t *fuzz_mut_read(const strata_mut_spec_t *spec) {
  strata_mut_table_t *t = NULL;
  int st = strata_mut_read(MPI_COMM_SELF, spec, &t);
  fuzz_status("strata_mut_read", st);
  if (st != 0 && t) fuzz_fail("strata_mut_read failed but returned a table");
  if (st == 0 && !t) fuzz_fail("strata_mut_read returned OK and no table");
  if (t) fuzz_check_mut(t);
  return t;
}
#endif
