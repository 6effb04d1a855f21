/* strata check: validate a cohort file (ids, obsmap against X, shapes, non-finite values,
 * constant or empty features, patients) reading every view in parallel blocks.  Prints an OK
 * summary, or fails with exit 2 and one message naming the dataset. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "strata/cohort.h"
#include "strata/util.h"

#define BAD(...) STRATA_FAIL(STRATA_ERR_INPUT, __VA_ARGS__)

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Checks on the metadata that strata_cohort_open does not already make (it rejects duplicate
 * sample ids, obsmap entries out of range or used twice, X/var shape mismatches and samples
 * without a patient).  Identical on every rank. */
static int check_meta(MPI_Comm comm, const strata_cohort_t *c, int *warnings) {
  int st = STRATA_OK;
  char **sorted = NULL;
  for (int k = 0; k < c->nviews; k++) {
    const strata_view_t *v = &c->views[k];
    int64_t mapped = 0;
    for (int64_t i = 0; i < c->nobs; i++) mapped += v->obsmap[i] != 0;
    if (mapped != v->nrows)
      BAD("%s:/obsmap/%s: %lld samples mapped but the view has %lld rows", c->path, v->name,
          (long long)mapped, (long long)v->nrows);
    if (v->nvar == 0 && v->dtype_bytes) BAD("%s:/mod/%s: a view with no features", c->path, v->name);
    if (v->likelihood && strcmp(v->likelihood, "gaussian") != 0 && strcmp(v->likelihood, "bernoulli") != 0)
      BAD("%s:/mod/%s/uns/strata_likelihood: unknown likelihood '%s'", c->path, v->name, v->likelihood);
    /* duplicate feature ids within a view: a warning (anndata allows them) */
    free(sorted);
    STRATA_MALLOC(sorted, v->nvar);
    memcpy(sorted, v->var_names, (size_t)v->nvar * sizeof *sorted);
    qsort(sorted, (size_t)v->nvar, sizeof *sorted, cmp_str);
    int64_t dups = 0;
    const char *first = NULL;
    for (int64_t j = 1; j < v->nvar; j++)
      if (strcmp(sorted[j], sorted[j - 1]) == 0) {
        if (!dups++) first = sorted[j];
      }
    if (dups) {
      (*warnings)++;
      strata_log(comm, 1, "warning: view '%s': %lld duplicate feature ids (e.g. '%s')\n", v->name, (long long)dups, first);
    }
  }
cleanup:
  free(sorted);
  return st;
}

static int run(strata_cli_t *cli, int argc, char **argv) {
  int st = STRATA_OK, warnings = 0;
  strata_cohort_t *c = NULL;
  strata_grid_t *grid = NULL;
  STRATA_CHECK(strata_cli_open_cohort(cli, argc, argv, &c, &grid));
  STRATA_CHECK(strata_agree(cli->comm, check_meta(cli->comm, c, &warnings)));
  for (int k = 0; k < c->nviews; k++) {
    const strata_view_t *v = &c->views[k];
    if (!v->dtype_bytes) continue;
    strata_view_stats_t s;
    STRATA_CHECK(strata_cohort_view_stats(c, k, grid, &s));
    /* a non-finite value is reported by the rank that read it */
    int local = STRATA_OK;
    if (s.local_inf_row >= 0)
      local = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                             "%s:/mod/%s/X: non-finite value (Inf) for sample '%s', feature '%s' (%lld such entries in the view)",
                             c->path, v->name, c->obs_names[s.local_inf_row], v->var_names[s.local_inf_col],
                             (long long)s.nonfinite);
    /* stop everyone; the agreement keeps the name of the rank that saw it */
    STRATA_CHECK(strata_agree(cli->comm, local));
    if (s.constant) {
      warnings++;
      strata_log(cli->comm, 1, "warning: view '%s': %lld constant features (e.g. '%s')\n", v->name,
                 (long long)s.constant, v->var_names[s.first_constant]);
    }
    if (s.empty_features) {
      warnings++;
      strata_log(cli->comm, 1, "warning: view '%s': %lld features with no observed value\n", v->name, (long long)s.empty_features);
    }
    if (s.empty_samples) {
      warnings++;
      strata_log(cli->comm, 1, "warning: view '%s': %lld samples marked present but entirely missing\n", v->name,
                 (long long)s.empty_samples);
    }
    if (cli->rank == 0 && cli->verbosity >= 1) {
      printf("  %-12s %lld/%lld samples, %lld features, %.1f%% missing\n", v->name, (long long)s.present,
             (long long)c->nobs, (long long)v->nvar, s.entries ? 100.0 * (double)s.missing / (double)s.entries : 0.0);
      fflush(stdout); /* keep the view lines and the warnings on stderr in order */
    }
  }
  if (cli->rank == 0)
    printf("OK %s: %lld samples, %lld patients, %d views, %d warning%s\n", c->path, (long long)c->nobs,
           (long long)c->npatients, c->nviews, warnings, warnings == 1 ? "" : "s");
cleanup:
  strata_grid_destroy(&grid);
  strata_cohort_close(&c);
  return st;
}

const strata_cmd_t strata_cmd_check = {
    "check", "validate a cohort file (.h5mu / .h5ad)",
    "Usage: strata check [options] COHORT.h5mu\n"
    "\n"
    "Validate a cohort: unique sample ids, a patient for every sample, obsmap consistent with each\n"
    "view's X (every row used by exactly one sample), shapes of X against obs/var, likelihoods, and\n"
    "the values themselves, read in parallel blocks: +-Inf is an error; constant features,\n"
    "features with no observed value, samples present but entirely missing and duplicate feature\n"
    "ids are warnings (on stderr).  NaN is a missing value, not an error.\n"
    "Prints one line per view and 'OK ...' on success; exit 2 with one message naming the file and\n"
    "dataset otherwise.\n"
    "\n"
    "Options:\n"
    "  --patient-column NAME   the obs column holding the patient id (default: the first of\n"
    "                          patient, patient_id, patientID, Patient_ID, case_id)\n"
    "  --no-patient            accept a file without a patient column (each sample is a patient)\n",
    run};
