/* strata import: per-view TSV/CSV matrices + a samples table -> cohort .h5mu.  Option parsing
 * only; the work is strata_import() in io/import.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "strata/import.h"
#include "strata/util.h"

/* Parse one --view NAME=PATH[:opt...] into v (pointing into arg, which is modified). */
static int parse_view(char *arg, int by_column, strata_import_view_t *v) {
  char *eq = strchr(arg, '=');
  if (!eq || eq == arg || !eq[1])
    return strata_cli_usage("--view wants NAME=PATH[:log1p][:bernoulli][:bycol], got '%s'", arg);
  *eq = '\0';
  memset(v, 0, sizeof *v);
  v->name = arg;
  v->path = eq + 1;
  v->by_column = by_column;
  /* options are the trailing ':'-separated words we know; a path may not end in one of them */
  char *colon;
  while ((colon = strrchr(eq + 1, ':')) != NULL) {
    const char *o = colon + 1;
    if (strcmp(o, "log1p") == 0) v->log1p = 1;
    else if (strcmp(o, "bernoulli") == 0 || strcmp(o, "gaussian") == 0) v->likelihood = o;
    else if (strcmp(o, "bycol") == 0) v->by_column = 1;
    else if (strcmp(o, "byrow") == 0) v->by_column = 0;
    else return strata_cli_usage("--view %s: unknown option ':%s' (log1p, bernoulli, gaussian, bycol, byrow)", arg, o);
    *colon = '\0';
  }
  if (!v->path[0]) return strata_cli_usage("--view %s: empty path", arg);
  return STRATA_OK;
}

static int run(strata_cli_t *cli, int argc, char **argv) {
  int st = STRATA_OK, nviews = 0, by_column = 0, f32 = 0;
  strata_import_opts_t o;
  strata_import_view_t *views = NULL;
  char **vargs = NULL;
  double block_mb = 16;
  memset(&o, 0, sizeof o);
  static const struct option longopts[] = {
      {"output", required_argument, NULL, 'o'}, {"samples", required_argument, NULL, 's'},
      {"view", required_argument, NULL, 'V'},   {"patient-column", required_argument, NULL, 'p'},
      {"sample-column", required_argument, NULL, 'S'}, {"by-column", no_argument, NULL, 'c'},
      {"float32", no_argument, NULL, '4'},      {"block-mb", required_argument, NULL, 'b'},
      {"nonfinite", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0}};
  STRATA_CALLOC(vargs, argc);
  opterr = 0; /* getopt would print on every rank: the message goes through main */
  int c;
  while ((c = getopt_long(argc, argv, "o:s:", longopts, NULL)) != -1) {
    switch (c) {
    case 'o': o.out = optarg; break;
    case 's': o.samples = optarg; break;
    case 'V': vargs[nviews++] = optarg; break;
    case 'p': o.patient_column = optarg; break;
    case 'S': o.sample_column = optarg; break;
    case 'c': by_column = 1; break;
    case '4': f32 = 1; break;
    case 'b': STRATA_CHECK(strata_cli_double("--block-mb", optarg, 1e-6, 1 << 20, &block_mb)); break;
    case 'n':
      if (strcmp(optarg, "error") == 0) o.nonfinite_missing = 0;
      else if (strcmp(optarg, "missing") == 0) o.nonfinite_missing = 1;
      else STRATA_CHECK(strata_cli_usage("--nonfinite wants error or missing, got '%s'", optarg));
      break;
    default: STRATA_CHECK(strata_cli_usage("unknown option or missing value: '%s'", argv[optind - 1]));
    }
  }
  if (optind < argc) STRATA_CHECK(strata_cli_usage("unexpected argument '%s'", argv[optind]));
  if (!o.out) STRATA_CHECK(strata_cli_usage("-o/--output is required"));
  if (!o.samples) STRATA_CHECK(strata_cli_usage("--samples is required (sample id, patient id, covariates)"));
  if (nviews == 0) STRATA_CHECK(strata_cli_usage("at least one --view NAME=PATH is required"));
  STRATA_CALLOC(views, nviews);
  for (int k = 0; k < nviews; k++) STRATA_CHECK(parse_view(vargs[k], by_column, &views[k]));
  strata_cli_input(cli, "--samples", o.samples);
  for (int k = 0; k < nviews; k++) strata_cli_input(cli, "--view", views[k].path);
  strata_cli_output(cli, "-o", o.out);
  STRATA_CHECK(strata_cli_start(cli));
  o.views = views;
  o.nviews = nviews;
  o.dtype_bytes = f32 ? 4 : 8;
  o.block_bytes = (int64_t)(block_mb * (1 << 20));
  strata_import_summary_t sum;
  double t0 = strata_wtime();
  STRATA_CHECK(strata_import(cli->comm, &o, &sum));
  if (cli->rank == 0 && cli->verbosity >= 1) {
    printf("wrote %s: %lld samples, %lld patients, %d views (%.2f s)\n", o.out, (long long)sum.nobs,
           (long long)sum.npatients, nviews, strata_wtime() - t0);
    for (int k = 0; k < nviews && k < 64; k++)
      printf("  %-12s %6lld samples x %7lld features%s%s\n", views[k].name, (long long)sum.rows[k],
             (long long)sum.vars[k], views[k].log1p ? "  log2(x+1)" : "",
             views[k].likelihood && strcmp(views[k].likelihood, "bernoulli") == 0 ? "  bernoulli" : "");
  }
cleanup:
  free(views);
  free(vargs);
  return st;
}

const strata_cmd_t strata_cmd_import = {
    "import", "TSV/CSV matrices (.gz ok) + a samples table -> cohort .h5mu",
    "Usage: strata import -o COHORT.h5mu --samples SAMPLES.tsv --view NAME=PATH[:opts] [...]\n"
    "\n"
    "Build a cohort file (MuData .h5mu) from one delimited matrix per view (omics layer) and a\n"
    "samples table.  Files may be gzip-compressed (.gz); '.csv' names are comma-separated, others\n"
    "tab-separated.  Samples are matched across views by id; a sample of the table that a view\n"
    "lacks is marked absent in that view (obsmap 0).  Memory stays bounded by one block of values.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE       the cohort to write (written to a temporary name, renamed at the end)\n"
    "  -s, --samples FILE      samples table: a header, then one row per sample (tumor region):\n"
    "                          sample id (first column), patient id, covariates (numeric columns\n"
    "                          are stored as float64, others as strings)\n"
    "  --view NAME=PATH[:opts] a view matrix; repeat for each view.  By default the first row holds\n"
    "                          the feature ids and each further row is one sample (id first).\n"
    "                          opts (':'-separated, after the path):\n"
    "                            log1p      store log2(x+1) (count data; values must be >= 0)\n"
    "                            bernoulli  binary view (0/1, e.g. mutations); default gaussian\n"
    "                            bycol      samples are columns, features rows (this view only)\n"
    "  --by-column             every view has samples as columns (override per view with :byrow)\n"
    "  --patient-column NAME   the patient id column of the samples table (default: the first of\n"
    "                          patient, patient_id, patientID, Patient_ID, case_id)\n"
    "  --sample-column NAME    the sample id column of the samples table (default: the first)\n"
    "  --float32               store X as float32 (default float64, exactly the parsed values)\n"
    "  --block-mb N            memory for one block of values in MiB (default 16; at least one\n"
    "                          line of the file is read at a time)\n"
    "  --nonfinite error|missing\n"
    "                          a value that is not a finite number (inf, infinity, 1e400, or a\n"
    "                          value beyond float with --float32), in a view or in a numeric\n"
    "                          covariate: 'error' (default) is bad input, 'missing' reads it as\n"
    "                          a missing value (NaN)\n"
    "\n"
    "Cells 'NA', 'NaN', 'N/A', 'null' and empty cells are missing values (NaN).\n"
    "Bad input (exit 2, no output file): ragged row, non-numeric cell, a non-finite value (see\n"
    "--nonfinite), a NUL byte, duplicate sample id, a view sample missing from the samples table,\n"
    "empty file, truncated .gz, a view with no features, no patient column; the message names\n"
    "the file and line (and the column of a bad value).\n"
    "Runs on any number of ranks (rank 0 reads, all ranks write collectively).\n"
    "Example:\n"
    "  strata import -o acc.h5mu --samples samples.tsv.gz --view rna=RNASeq2GeneNorm.tsv.gz:log1p \\\n"
    "                --view cn=gistict.tsv.gz --view mut=Mutations.tsv.gz:bernoulli\n",
    run};
