/* strata info: summarise a cohort file: samples, patients, regions per patient, obs columns,
 * and per view its shape, stored type, fraction missing and likelihood (values read in parallel
 * blocks).  Validation is strata check's job. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "strata/cohort.h"
#include "strata/util.h"

/* Rank 0: "regions per patient: 1 x 80, 2 x 10, ..." (region count x number of patients). */
static int print_regions(const strata_cohort_t *c) {
  int st = STRATA_OK;
  int64_t *per = NULL, *hist = NULL, maxr = 0;
  STRATA_CALLOC(per, c->npatients);
  for (int64_t i = 0; i < c->nobs; i++) per[c->patient[i]]++;
  for (int64_t p = 0; p < c->npatients; p++)
    if (per[p] > maxr) maxr = per[p];
  STRATA_CALLOC(hist, maxr + 1);
  for (int64_t p = 0; p < c->npatients; p++) hist[per[p]]++;
  printf("regions per patient:");
  const char *sep = " ";
  for (int64_t r = 1; r <= maxr; r++)
    if (hist[r]) {
      printf("%s%lld region%s: %lld patient%s", sep, (long long)r, r > 1 ? "s" : "", (long long)hist[r], hist[r] > 1 ? "s" : "");
      sep = ", ";
    }
  printf("\n");
cleanup:
  free(per);
  free(hist);
  return st;
}

static int run(strata_cli_t *cli, int argc, char **argv) {
  int st = STRATA_OK;
  strata_cohort_t *c = NULL;
  strata_grid_t *grid = NULL;
  STRATA_CHECK(strata_cli_open_cohort(cli, argc, argv, &c, &grid));
  if (cli->rank == 0) {
    printf("cohort: %s\n", c->path);
    printf("samples: %lld\npatients: %lld (obs column '%s')\n", (long long)c->nobs, (long long)c->npatients,
           c->patient_column ? c->patient_column : "none: one patient per sample");
    STRATA_CHECK(print_regions(c));
    printf("obs columns (%d):", c->ncols);
    for (int j = 0; j < c->ncols; j++) printf("%s %s (%s)", j ? "," : "", c->cols[j].name, c->cols[j].is_numeric ? "numeric" : "text");
    printf("\nviews (%d):\n  %-12s %9s %9s  %-8s %8s  %-10s %s\n", c->nviews, "name", "samples", "features", "dtype",
           "missing", "likelihood", "range");
  }
  for (int k = 0; k < c->nviews; k++) {
    const strata_view_t *v = &c->views[k];
    strata_view_stats_t s;
    memset(&s, 0, sizeof s);
    s.min = s.max = NAN;
    s.present = v->nrows;
    if (v->dtype_bytes) STRATA_CHECK(strata_cohort_view_stats(c, k, grid, &s));
    if (cli->rank == 0) {
      char samples[64], dtype[32], missing[32];
      snprintf(samples, sizeof samples, "%lld/%lld", (long long)s.present, (long long)c->nobs);
      if (!v->dtype_bytes) snprintf(dtype, sizeof dtype, "none");
      else snprintf(dtype, sizeof dtype, "%s%d%s", v->is_integer ? "int" : "float", 8 * v->dtype_bytes, v->is_sparse ? "/csr" : "");
      if (s.entries) snprintf(missing, sizeof missing, "%.1f%%", 100.0 * (double)s.missing / (double)s.entries);
      else snprintf(missing, sizeof missing, "-");
      printf("  %-12s %9s %9lld  %-8s %8s  %-10s [%.6g, %.6g]\n", v->name, samples, (long long)v->nvar, dtype, missing,
             v->likelihood ? v->likelihood : "-", s.min, s.max);
    }
  }
cleanup:
  strata_grid_destroy(&grid);
  strata_cohort_close(&c);
  return st;
}

const strata_cmd_t strata_cmd_info = {
    "info", "summarise a cohort file: samples, patients, views",
    "Usage: strata info [options] COHORT.h5mu\n"
    "\n"
    "Summarise a cohort (.h5mu or .h5ad): number of samples and patients, regions per patient\n"
    "(histogram), the obs columns, and for each view: samples that have it / all samples,\n"
    "features, stored type (float32, float64, csr), percentage of missing (NaN) entries among the\n"
    "samples that have the view, likelihood, and value range.  Values are read in parallel blocks.\n"
    "\n"
    "Options:\n"
    "  --patient-column NAME   the obs column holding the patient id (default: the first of\n"
    "                          patient, patient_id, patientID, Patient_ID, case_id)\n"
    "  --no-patient            accept a file without a patient column (each sample is a patient)\n",
    run};
