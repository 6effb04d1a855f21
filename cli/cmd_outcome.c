/* `strata outcome`: which factors or obs covariates predict survival.  Glue only: the cohort's
 * obs and a MOFA2 model's Z are read by io/, the outcome and predictors are brought to one value
 * per patient here (the named --patient-rule), the statistics are solvers/outcome/ (Cox,
 * C-index, Kaplan-Meier, log-rank; the univariable table split over ranks) and the tables are
 * written by io/outcome_results.c on rank 0. */
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "strata/cohort.h"
#include "strata/dmat.h"
#include "strata/grid.h"
#include "strata/partition.h"
#include "strata/mofa2.h"
#include "strata/outcome.h"
#include "strata/outcome_results.h"
#include "strata/util.h"

static int run(strata_cli_t *cli, int argc, char **argv);

const strata_cmd_t strata_cmd_outcome = {
    "outcome", "survival: Cox tables, C-index, Kaplan-Meier, log-rank",
    "Usage: strata outcome COHORT.h5mu --time COL[,COL] --event COL -o PREFIX\n"
    "                      [--factors MODEL.h5] [--obs COL,...] [options]\n"
    "\n"
    "Relates predictors to right-censored survival, one value per patient, as R's survival\n"
    "package does: a Cox proportional-hazards model per predictor (the univariable table, split\n"
    "over the ranks: each rank fits a contiguous block of predictors), a multivariable Cox\n"
    "model, Harrell's C-index, Kaplan-Meier curves (Greenwood variance, log-transformed CI) and\n"
    "the log-rank test for the median split of a score.\n"
    "\n"
    "Predictors (at least one source):\n"
    "  --factors MODEL.h5      the factors Z of a MOFA2 model file (strata factor -o); columns\n"
    "                          Factor1..K, matched to the cohort's samples by name\n"
    "  --obs COL,...           numeric obs columns of the cohort\n"
    "  --view NAME             every feature of view NAME (rows named NAME:feature), read on a\n"
    "                          1 x ranks grid: each rank reads and fits its own block of\n"
    "                          features (the rows are gathered; q_bh is over the whole table)\n"
    "  --patient-rule R        mean, max or min: a patient's value of a sample-level (region)\n"
    "                          predictor over its samples with a value (default mean); recorded\n"
    "                          in the univariable table\n"
    "  --patient-column COL    obs column with the patient id (default: patient, patient_id,\n"
    "                          patientID, ...; without one, each sample is its own patient)\n"
    "\n"
    "Outcome (obs columns, per patient; all samples of a patient must agree):\n"
    "  --time COL[,COL]        survival time, >= 0: the first listed column with a value (e.g.\n"
    "                          days_to_death,days_to_last_followup); negative is exit 2\n"
    "  --event COL             1 = event (death), 0 = censored\n"
    "  --strata COL            stratify the Cox models, C-index and log-rank by this column\n"
    "  Patients without a time, an event (or a stratum) are left out and counted.\n"
    "\n"
    "Models:\n"
    "  --ties efron|breslow    tied event times (default efron, as coxph)\n"
    "  --max-iter N            Newton-Raphson iterations (default 20; converged when the\n"
    "                          relative change of the log partial likelihood is <= 1e-9)\n"
    "  --multivariable LIST    predictors of the multivariable model: comma list, 'all' or\n"
    "                          'none' (default: all when there are at most 20 predictors;\n"
    "                          'all' leaves out those flagged constant, no_events or infinite);\n"
    "                          patients missing any of them are left out of it\n"
    "  --score NAME            the risk score for the C-index (apparent: on the patients the\n"
    "                          model was fitted to), Kaplan-Meier and log-rank: a\n"
    "                          predictor (times the sign of its coefficient) or 'multivariable'\n"
    "                          (its linear predictor; the default when fitted, else the\n"
    "                          predictor with the smallest likelihood-ratio p)\n"
    "  --top N                 predictors printed (default 10)\n"
    "\n"
    "Outputs (rank 0, each written under a temporary name, renamed at the end):\n"
    "  -o, --output PREFIX     PREFIX.univariable.tsv: predictor n events coef se hr hr_low\n"
    "                          hr_high z p_wald lr p_lr score p_score q_bh flag patient_rule\n"
    "                          (hr = exp(coef), 95% CI; Wald, likelihood-ratio and score tests;\n"
    "                          q_bh = Benjamini-Hochberg over p_lr; flag: ok, constant (NA),\n"
    "                          no_events (NA), infinite (a separating predictor: the estimate\n"
    "                          diverges, do not read it as finite), not_converged);\n"
    "                          PREFIX.multivariable.tsv; PREFIX.km.tsv (group low/high: time\n"
    "                          n_risk n_event n_censor surv std_err lower upper, survfit's\n"
    "                          columns); PREFIX.summary.tsv (key value: counts, tests, C-index,\n"
    "                          log-rank, the rule and options used)\n"
    "\n"
    "Exit codes: 0 ok, 1 usage, 2 bad input (unknown column, negative time, event not 0/1,\n"
    "inconsistent outcome within a patient, all patients censored, a model file of other\n"
    "samples), 3 I/O.  A constant or separating predictor is not an error: its row says so.\n",
    run};

enum { RULE_MEAN, RULE_MAX, RULE_MIN };
static const char *rule_names[] = {"mean", "max", "min"};

typedef struct args {
  const char *input, *output, *factors, *obs, *view, *time, *event, *strata, *multi, *score, *patient_col;
  int rule, ties;
  int64_t max_iter, top;
} args_t;

static int parse(int argc, char **argv, args_t *a) {
  int st = STRATA_OK, c;
  static const struct option lo[] = {
      {"output", required_argument, 0, 'o'},     {"factors", required_argument, 0, 1},
      {"obs", required_argument, 0, 2},          {"patient-rule", required_argument, 0, 3},
      {"time", required_argument, 0, 4},         {"event", required_argument, 0, 5},
      {"strata", required_argument, 0, 6},       {"ties", required_argument, 0, 7},
      {"max-iter", required_argument, 0, 8},     {"multivariable", required_argument, 0, 9},
      {"score", required_argument, 0, 10},       {"top", required_argument, 0, 11},
      {"patient-column", required_argument, 0, 12}, {"view", required_argument, 0, 13},
      {0, 0, 0, 0}};
  a->rule = RULE_MEAN;
  a->ties = STRATA_COX_EFRON;
  a->max_iter = 20;
  a->top = 10;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:", lo, NULL)) != -1) {
    switch (c) {
    case 'o': a->output = optarg; break;
    case 1: a->factors = optarg; break;
    case 2: a->obs = optarg; break;
    case 3:
      a->rule = -1;
      for (int r = 0; r < 3; r++)
        if (strcmp(optarg, rule_names[r]) == 0) a->rule = r;
      if (a->rule < 0) return strata_cli_usage("--patient-rule must be mean, max or min, got '%s'", optarg);
      break;
    case 4: a->time = optarg; break;
    case 5: a->event = optarg; break;
    case 6: a->strata = optarg; break;
    case 7:
      if (strcmp(optarg, "efron") == 0) a->ties = STRATA_COX_EFRON;
      else if (strcmp(optarg, "breslow") == 0) a->ties = STRATA_COX_BRESLOW;
      else return strata_cli_usage("--ties must be efron or breslow, got '%s'", optarg);
      break;
    case 8: STRATA_CHECK(strata_cli_int("--max-iter", optarg, 1, 10000, &a->max_iter)); break;
    case 9: a->multi = optarg; break;
    case 10: a->score = optarg; break;
    case 11: STRATA_CHECK(strata_cli_int("--top", optarg, 0, 1000000, &a->top)); break;
    case 12: a->patient_col = optarg; break;
    case 13: a->view = optarg; break;
    case ':': return strata_cli_usage("option '%s' needs a value", argv[optind - 1]);
    default: return strata_cli_usage("unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind >= argc) return strata_cli_usage("missing the cohort file (strata outcome COHORT.h5mu ...)");
  a->input = argv[optind++];
  if (optind < argc) return strata_cli_usage("unexpected argument '%s'", argv[optind]);
  if (!a->output) return strata_cli_usage("-o PREFIX is required");
  if (!a->time || !a->event) return strata_cli_usage("--time COL and --event COL are required");
  if (!a->factors && !a->obs && !a->view)
    return strata_cli_usage("no predictors: give --factors MODEL.h5, --obs COL,... and/or --view NAME");
cleanup:
  return st;
}

static int find_col(const strata_cohort_t *co, const char *name) {
  for (int c = 0; c < co->ncols; c++)
    if (strcmp(co->cols[c].name, name) == 0) return c;
  return -1;
}

static int need_col(const strata_cohort_t *co, const char *opt, const char *name, int *out) {
  int st = STRATA_OK;
  *out = find_col(co, name);
  if (*out < 0) {
    char have[1024] = "";
    for (int i = 0; i < co->ncols; i++)
      snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", i ? ", " : "", co->cols[i].name);
    STRATA_FAIL(STRATA_ERR_INPUT, "%s: %s: no obs column '%s' (the cohort has: %s)", co->path, opt, name, have);
  }
cleanup:
  return st;
}

/* Numeric value of obs column c at row i (NaN when missing); numbers stored as strings are
 * parsed.  *bad = 1 when a present string is not a number. */
static double col_value(const strata_column_t *c, int64_t i, int *bad) {
  *bad = 0;
  if (c->is_numeric) return c->num[i];
  const char *s = c->str[i];
  if (!s || !*s || strcmp(s, "NA") == 0 || strcmp(s, "nan") == 0 || strcmp(s, "NaN") == 0) return NAN;
  char *end;
  double v = strtod(s, &end);
  if (*end) { *bad = 1; return NAN; }
  return v;
}

/* Per-patient outcome: time, event (and stratum index) from the samples of each patient.
 * ok[p] = 0 when one is missing. */
static int patient_outcome(const strata_cohort_t *co, const args_t *a, double *time, int *event,
                           int *stratum, int *ok, int64_t *missing, int *nstrata) {
  int st = STRATA_OK;
  int tc[8], nt = 0, ec = -1, sc = -1;
  char *list = NULL, *save = NULL, **levels = NULL;
  int64_t *first = NULL;
  int nlev = 0;
  list = strdup(a->time);
  if (!list) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (nt == 8) STRATA_FAIL(STRATA_ERR_USAGE, "--time lists more than 8 columns");
    STRATA_CHECK(need_col(co, "--time", tok, &tc[nt]));
    nt++;
  }
  STRATA_CHECK(need_col(co, "--event", a->event, &ec));
  if (a->strata) STRATA_CHECK(need_col(co, "--strata", a->strata, &sc));
  STRATA_MALLOC(first, co->npatients);
  STRATA_CALLOC(levels, co->nobs + 1);
  for (int64_t p = 0; p < co->npatients; p++) {
    time[p] = NAN;
    event[p] = -1;
    stratum[p] = -1;
    first[p] = -1;
  }
  for (int64_t i = 0; i < co->nobs; i++) {
    int64_t p = co->patient[i];
    int bad = 0;
    double t = NAN;
    for (int k = 0; k < nt && isnan(t); k++) {
      t = col_value(&co->cols[tc[k]], i, &bad);
      if (bad)
        STRATA_FAIL(STRATA_ERR_INPUT, "%s: obs row %lld (sample '%s'): --time column '%s' is '%s', not a number",
                    co->path, (long long)i + 1, co->obs_names[i], co->cols[tc[k]].name, co->cols[tc[k]].str[i]);
    }
    if (!isnan(t) && (!isfinite(t) || t < 0))
      STRATA_FAIL(STRATA_ERR_INPUT, "%s: obs row %lld (sample '%s'): survival time %g is negative or infinite",
                  co->path, (long long)i + 1, co->obs_names[i], t);
    double e = col_value(&co->cols[ec], i, &bad);
    if (bad || (!isnan(e) && e != 0 && e != 1))
      STRATA_FAIL(STRATA_ERR_INPUT, "%s: obs row %lld (sample '%s'): --event column '%s' must be 0 or 1, got '%s'",
                  co->path, (long long)i + 1, co->obs_names[i], a->event,
                  co->cols[ec].str[i] ? co->cols[ec].str[i] : "?");
    if (!isnan(t)) {
      if (!isnan(time[p]) && time[p] != t)
        STRATA_FAIL(STRATA_ERR_INPUT, "%s: patient '%s': obs rows %lld and %lld give survival times %g and %g",
                    co->path, co->patient_names[p], (long long)first[p] + 1, (long long)i + 1, time[p], t);
      time[p] = t;
      first[p] = i;
    }
    if (!isnan(e)) {
      if (event[p] >= 0 && event[p] != (int)e)
        STRATA_FAIL(STRATA_ERR_INPUT, "%s: patient '%s': its samples disagree on --event '%s' (obs row %lld)",
                    co->path, co->patient_names[p], a->event, (long long)i + 1);
      event[p] = (int)e;
    }
    if (sc >= 0 && co->cols[sc].str[i] && stratum[p] < 0) {
      const char *v = co->cols[sc].str[i];
      int l = 0;
      while (l < nlev && strcmp(levels[l], v) != 0) l++;
      if (l == nlev) levels[nlev++] = (char *)v;
      stratum[p] = l;
    }
  }
  *missing = 0;
  for (int64_t p = 0; p < co->npatients; p++) {
    ok[p] = !isnan(time[p]) && event[p] >= 0 && (sc < 0 || stratum[p] >= 0);
    if (!ok[p]) (*missing)++;
  }
  *nstrata = sc >= 0 ? nlev : 0;
cleanup:
  free(list);
  free(first);
  free(levels);
  return st;
}

/* Aggregate a per-sample value to the patient by the rule (NaN when no sample has one). */
static void to_patients(const strata_cohort_t *co, int rule, const double *v, double *out) {
  int64_t *cnt = calloc((size_t)co->npatients, sizeof *cnt);
  for (int64_t p = 0; p < co->npatients; p++) out[p] = NAN;
  for (int64_t i = 0; i < co->nobs; i++) {
    if (!isfinite(v[i])) continue;
    int64_t p = co->patient[i];
    if (!cnt || cnt[p] == 0) out[p] = v[i];
    else if (rule == RULE_MEAN) out[p] += v[i];
    else if (rule == RULE_MAX) out[p] = v[i] > out[p] ? v[i] : out[p];
    else out[p] = v[i] < out[p] ? v[i] : out[p];
    if (cnt) cnt[p]++;
  }
  if (rule == RULE_MEAN && cnt)
    for (int64_t p = 0; p < co->npatients; p++)
      if (cnt[p] > 0) out[p] /= (double)cnt[p];
  free(cnt);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Append "key\tvalue" to the summary. */
typedef struct { int n; char *k[64]; char *v[64]; } summary_t;
static void put(summary_t *s, const char *key, const char *fmt, ...) STRATA_PRINTF(3, 4);
static void put(summary_t *s, const char *key, const char *fmt, ...) {
  if (s->n == 64) return;
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  s->k[s->n] = strdup(key);
  s->v[s->n] = strdup(buf);
  if (s->k[s->n] && s->v[s->n]) s->n++;
}

/* Collective.  Patient-level column j of the predictors (n values) on every rank: the first
 * nrep are replicated (xp), the others are view features held by the rank whose block
 * (blk: col0, nloc per rank) contains them, broadcast from there. */
static int fetch(const strata_cli_t *cli, int64_t j, int64_t nrep, const double *xp, int64_t n,
                 const int64_t *blk, const double *xv, double *out) {
  int st = STRATA_OK;
  if (j < nrep) {
    memcpy(out, xp + j * n, sizeof *out * n);
    goto cleanup;
  }
  int64_t jj = j - nrep;
  int owner = 0;
  while (owner < cli->size - 1 && !(jj < blk[2 * owner] + blk[2 * owner + 1])) owner++;
  if (cli->rank == owner) memcpy(out, xv + (jj - blk[2 * owner]) * n, sizeof *out * n);
  if (n > INT32_MAX) STRATA_FAIL(STRATA_ERR_INPUT, "%lld patients exceed one broadcast", (long long)n);
  STRATA_MPI_CHECK(MPI_Bcast(out, (int)n, MPI_DOUBLE, owner, cli->comm));
cleanup:
  return st;
}

static int run(strata_cli_t *cli, int argc, char **argv) {
  int st = STRATA_OK;
  args_t a;
  memset(&a, 0, sizeof a);
  strata_cohort_t *co = NULL;
  char **zs = NULL, **names = NULL, *list = NULL, *save = NULL, **mnames = NULL;
  double *z = NULL, *xs = NULL, *xp = NULL, *time = NULL, *ptime = NULL, *mx = NULL, *score = NULL,
         *sorted = NULL, *sv = NULL;
  int *event = NULL, *stratum = NULL, *ok = NULL, *pevent = NULL, *pstrat = NULL, *group = NULL,
      *msel = NULL, *mok = NULL;
  int64_t nz = 0, npred = 0, nmissing = 0, n = 0, *zrow = NULL;
  int kz = 0, nstrata = 0, nm = 0, fitted = 0;
  strata_cox_row_t *rows = NULL;
  strata_grid_t *grid = NULL;
  strata_partition_t *part = NULL;
  strata_dmat_t *vm = NULL;
  double *xv = NULL, *mcol = NULL, *pv = NULL, *qv = NULL;
  int64_t *pidx = NULL, *blk = NULL, nrep = 0, D = 0, vcol0 = 0, vnloc = 0;
  int vi = -1;
  strata_cox_fit_t multi;
  strata_km_t km[2];
  strata_logrank_t lr;
  strata_concordance_t conc;
  summary_t sum = {0};
  memset(&multi, 0, sizeof multi);
  memset(km, 0, sizeof km);
  memset(&lr, 0, sizeof lr);
  memset(&conc, 0, sizeof conc);
  conc.c = NAN;
  const char *score_name = NULL;

  STRATA_CHECK(parse(argc, argv, &a));
  strata_cli_input(cli, "COHORT", a.input);
  strata_cli_input(cli, "--factors", a.factors);
  {
    static const char *sfx[] = STRATA_OUTCOME_SUFFIXES;
    for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) strata_cli_output_suffix(cli, "-o", a.output, sfx[i]);
  }
  STRATA_CHECK(strata_cli_start(cli));
  STRATA_CHECK(strata_cohort_open(cli->comm, a.input, a.patient_col, 1, &co));
  int64_t P = co->npatients, N = co->nobs;

  /* the outcome per patient (the same on every rank: the obs are replicated) */
  STRATA_MALLOC(time, P);
  STRATA_MALLOC(event, P);
  STRATA_MALLOC(stratum, P);
  STRATA_MALLOC(ok, P);
  st = patient_outcome(co, &a, time, event, stratum, ok, &nmissing, &nstrata);
  STRATA_CHECK(strata_agree(cli->comm, st));

  /* predictors: per sample, then per patient by the rule */
  if (a.factors) {
    st = strata_mofa2_read_z(a.factors, &nz, &kz, &zs, &z);
    if (!st) {
      STRATA_MALLOC(zrow, nz);
      /* match the model's samples to the cohort's by name */
      for (int64_t j = 0; j < nz && !st; j++) {
        zrow[j] = -1;
        for (int64_t i = 0; i < N; i++)
          if (strcmp(zs[j], co->obs_names[i]) == 0) { zrow[j] = i; break; }
        if (zrow[j] < 0)
          st = strata_err_set(STRATA_ERR_INPUT, __FILE__, __LINE__, __func__,
                              "%s: sample '%s' of the model is not in the cohort %s", a.factors, zs[j], a.input);
      }
    }
  }
  STRATA_CHECK(strata_agree(cli->comm, st));
  int nobs_cols = 0, obs_idx[1024];
  if (a.obs) {
    list = strdup(a.obs);
    if (!list) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      if (nobs_cols == 1024) STRATA_FAIL(STRATA_ERR_USAGE, "--obs lists more than 1024 columns");
      STRATA_CHECK(need_col(co, "--obs", tok, &obs_idx[nobs_cols]));
      nobs_cols++;
    }
  }
  nrep = kz + nobs_cols;
  if (a.view) {
    vi = strata_cohort_find_view(co, a.view);
    if (vi < 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: --view: no view '%s'", a.input, a.view);
    D = co->views[vi].nvar;
  }
  npred = nrep + D;
  STRATA_CALLOC(names, npred);
  STRATA_MALLOC(xs, N);
  STRATA_MALLOC(xp, P * nrep);
  for (int k = 0; k < kz; k++) {
    char nb[32];
    snprintf(nb, sizeof nb, "Factor%d", k + 1);
    names[k] = strdup(nb);
    for (int64_t i = 0; i < N; i++) xs[i] = NAN;
    for (int64_t j = 0; j < nz; j++) xs[zrow[j]] = z[j + k * nz];
    to_patients(co, a.rule, xs, xp + k * P);
  }
  for (int c = 0; c < nobs_cols; c++) {
    const strata_column_t *col = &co->cols[obs_idx[c]];
    names[kz + c] = strdup(col->name);
    for (int64_t i = 0; i < N; i++) {
      int bad = 0;
      xs[i] = col_value(col, i, &bad);
      if (bad)
        STRATA_FAIL(STRATA_ERR_INPUT, "%s: obs row %lld (sample '%s'): --obs column '%s' is '%s', not a number",
                    a.input, (long long)i + 1, co->obs_names[i], col->name, col->str[i]);
    }
    to_patients(co, a.rule, xs, xp + (kz + c) * P);
  }
  for (int64_t j = 0; j < D; j++) {
    size_t len = strlen(a.view) + strlen(co->views[vi].var_names[j]) + 2;
    names[nrep + j] = malloc(len);
    if (names[nrep + j]) snprintf(names[nrep + j], len, "%s:%s", a.view, co->views[vi].var_names[j]);
  }
  for (int64_t j = 0; j < npred; j++)
    if (!names[j]) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");

  /* the patients with an outcome */
  STRATA_MALLOC(ptime, P);
  STRATA_MALLOC(pevent, P);
  STRATA_MALLOC(pstrat, P);
  STRATA_MALLOC(pidx, P);
  int64_t nev = 0;
  for (int64_t p = 0; p < P; p++)
    if (ok[p]) {
      pidx[n] = p;
      ptime[n] = time[p];
      pevent[n] = event[p];
      pstrat[n] = stratum[p];
      for (int64_t j = 0; j < nrep; j++) xp[n + j * P] = xp[p + j * P];
      nev += event[p];
      n++;
    }
  if (n == 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: no patient has both --time and --event (%lld missing)", a.input, (long long)nmissing);
  strata_log(cli->comm, 1, "outcome: %lld patients (%lld left out: no outcome), %lld events, %lld predictors, %d ranks\n",
             (long long)n, (long long)nmissing, (long long)nev, (long long)npred, cli->size);
  /* compact the predictor matrix to stride n */
  for (int64_t j = 1; j < nrep; j++) memmove(xp + j * n, xp + j * P, sizeof *xp * n);
  strata_surv_t s = {n, ptime, pevent, a.strata ? pstrat : NULL};
  strata_cox_opts_t o;
  strata_cox_opts_default(&o);
  o.ties = a.ties;
  o.max_iter = (int)a.max_iter;

  /* univariable table, predictors split over ranks */
  strata_ev_phase_begin(cli->ev, "univariable", npred);
  double t_uni = MPI_Wtime(), t_fit = 0;
  STRATA_CALLOC(rows, npred);
  if (nrep > 0) STRATA_CHECK(strata_cox_univariable(cli->comm, &s, nrep, xp, &o, rows));
  STRATA_MALLOC(blk, 2 * (size_t)cli->size);
  if (D > 0) {
    /* the view on a 1 x ranks grid: all samples, a contiguous block of features per rank */
    STRATA_CHECK(strata_grid_create(cli->comm, 1, cli->size, N, D, P, &grid));
    STRATA_CHECK(strata_partition_patients(N, co->patient, P, NULL, 1, &part));
    STRATA_CHECK(strata_cohort_read_view_finite(co, vi, grid, part, &vm));
    vcol0 = vm->col0;
    vnloc = vm->nloc;
    STRATA_MALLOC(xv, n * (vnloc ? vnloc : 1));
    double *full = NULL, *pat = NULL;
    full = malloc(sizeof *full * (N + 1));
    pat = malloc(sizeof *pat * (P + 1));
    if (!full || !pat) { free(full); free(pat); STRATA_FAIL(STRATA_ERR_MEM, "out of memory"); }
    for (int64_t j = 0; j < vnloc; j++) {
      for (int64_t i = 0; i < N; i++) full[i] = NAN;
      for (int64_t r = 0; r < vm->mloc; r++) full[vm->rows[r]] = vm->a[r + j * vm->mloc];
      to_patients(co, a.rule, full, pat);
      for (int64_t i = 0; i < n; i++) xv[i + j * n] = pat[pidx[i]];
    }
    free(full);
    free(pat);
    strata_dmat_destroy(&vm);
    double t0 = MPI_Wtime();
    STRATA_CHECK(strata_cox_univariable_block(cli->comm, &s, D, vcol0, vnloc, xv, &o, rows + nrep));
    t_fit += MPI_Wtime() - t0;
  }
  {
    int64_t mine[2] = {vcol0, vnloc};
    STRATA_MPI_CHECK(MPI_Allgather(mine, 2, MPI_INT64_T, blk, 2, MPI_INT64_T, cli->comm));
  }
  if (nrep > 0 && D > 0) {
    /* one Benjamini-Hochberg over the whole table */
    STRATA_MALLOC(pv, npred);
    STRATA_MALLOC(qv, npred);
    for (int64_t j = 0; j < npred; j++) pv[j] = rows[j].p_lr;
    STRATA_CHECK(strata_p_adjust_bh(npred, pv, qv));
    for (int64_t j = 0; j < npred; j++) rows[j].q_bh = qv[j];
  }
  strata_ev_phase_end(cli->ev, "univariable");
  strata_log(cli->comm, 1, "outcome: univariable table of %lld predictors in %.3f s (view features: %.3f s in the fits)\n",
             (long long)npred, MPI_Wtime() - t_uni, t_fit);

  /* multivariable (replicated; small) */
  STRATA_CALLOC(msel, npred);
  if (a.multi ? strcmp(a.multi, "all") == 0 : npred <= 20) {
    for (int64_t j = 0; j < npred; j++)
      if (rows[j].flag != STRATA_COX_CONSTANT && rows[j].flag != STRATA_COX_NO_EVENTS &&
          rows[j].flag != STRATA_COX_INFINITE)
        msel[nm++] = (int)j;
  } else if (a.multi && strcmp(a.multi, "none") != 0) {
    free(list);
    list = strdup(a.multi);
    if (!list) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      int64_t j = 0;
      while (j < npred && strcmp(names[j], tok) != 0) j++;
      if (j == npred) STRATA_FAIL(STRATA_ERR_USAGE, "--multivariable: '%s' is not a predictor", tok);
      msel[nm++] = (int)j;
    }
  }
  if (nm > 0) {
    int64_t m = 0;
    double *mt = NULL;
    int *me = NULL, *ms = NULL;
    STRATA_MALLOC(mok, n);
    STRATA_MALLOC(mx, n * nm);
    STRATA_MALLOC(mcol, n * nm);
    STRATA_MALLOC(mnames, nm);
    for (int k = 0; k < nm; k++) {
      mnames[k] = names[msel[k]];
      STRATA_CHECK(fetch(cli, msel[k], nrep, xp, n, blk, xv, mcol + k * n));
    }
    for (int64_t i = 0; i < n; i++) {
      mok[i] = 1;
      for (int k = 0; k < nm; k++) mok[i] &= isfinite(mcol[i + k * n]) != 0;
      m += mok[i];
    }
    mt = malloc(sizeof *mt * (m + 1));
    me = malloc(sizeof *me * (m + 1));
    ms = malloc(sizeof *ms * (m + 1));
    if (!mt || !me || !ms) { free(mt); free(me); free(ms); STRATA_FAIL(STRATA_ERR_MEM, "out of memory"); }
    for (int64_t i = 0, r = 0; i < n; i++)
      if (mok[i]) {
        mt[r] = ptime[i]; me[r] = pevent[i]; ms[r] = pstrat[i];
        for (int k = 0; k < nm; k++) mx[r + k * m] = mcol[i + k * n];
        r++;
      }
    strata_surv_t sm = {m, mt, me, a.strata ? ms : NULL};
    st = strata_cox_fit(&sm, nm, mx, &o, &multi);
    free(mt); free(me); free(ms);
    STRATA_CHECK(st);  /* bad input (no event among the complete cases): named by the fit */
    fitted = 1;
  }

  /* the score: multivariable linear predictor, or one predictor times the sign of its coef */
  STRATA_MALLOC(score, n);
  if ((a.score && strcmp(a.score, "multivariable") == 0) || (!a.score && fitted)) {
    if (!fitted) STRATA_FAIL(STRATA_ERR_USAGE, "--score multivariable: no multivariable model (see --multivariable)");
    score_name = "multivariable";
    for (int64_t i = 0; i < n; i++) {
      double e = 0;
      for (int k = 0; k < nm; k++) e += isnan(multi.coef[k]) ? 0 : multi.coef[k] * mcol[i + k * n];
      score[i] = mok[i] ? e : NAN;
    }
  } else {
    int64_t best = -1;
    if (a.score) {
      for (int64_t j = 0; j < npred; j++)
        if (strcmp(names[j], a.score) == 0) best = j;
      if (best < 0) STRATA_FAIL(STRATA_ERR_USAGE, "--score: '%s' is not a predictor or 'multivariable'", a.score);
    } else {
      for (int64_t j = 0; j < npred; j++)
        if (!isnan(rows[j].p_lr) && (best < 0 || rows[j].p_lr < rows[best].p_lr)) best = j;
    }
    if (best >= 0) {
      score_name = names[best];
      double sg = isnan(rows[best].coef) ? 1 : rows[best].coef < 0 ? -1 : 1;
      STRATA_CHECK(fetch(cli, best, nrep, xp, n, blk, xv, score));
      for (int64_t i = 0; i < n; i++) score[i] *= sg;
    } else {
      for (int64_t i = 0; i < n; i++) score[i] = NAN;
    }
  }
  int64_t nsc = 0;
  STRATA_MALLOC(sorted, n);
  STRATA_MALLOC(group, n);
  for (int64_t i = 0; i < n; i++)
    if (isfinite(score[i])) sorted[nsc++] = score[i];
  int ngroups = 0;
  if (nsc >= 2) {
    qsort(sorted, (size_t)nsc, sizeof *sorted, cmp_double);
    double med = nsc % 2 ? sorted[nsc / 2] : (sorted[nsc / 2 - 1] + sorted[nsc / 2]) / 2;
    int64_t hi = 0;
    for (int64_t i = 0; i < n; i++) {
      group[i] = isfinite(score[i]) ? (score[i] > med ? 1 : 0) : -1;
      hi += group[i] == 1;
    }
    STRATA_CHECK(strata_concordance(&s, score, &conc));
    if (hi > 0 && hi < nsc) {
      ngroups = 2;
      for (int g = 0; g < 2; g++) STRATA_CHECK(strata_km_fit(&s, group, g, 0.95, &km[g]));
      STRATA_CHECK(strata_logrank(&s, group, 2, &lr));
    }
    put(&sum, "score_median", "%.17g", med);
  }

  put(&sum, "patients", "%lld", (long long)P);
  put(&sum, "patients_used", "%lld", (long long)n);
  put(&sum, "patients_missing_outcome", "%lld", (long long)nmissing);
  put(&sum, "events", "%lld", (long long)nev);
  put(&sum, "time", "%s", a.time);
  put(&sum, "event", "%s", a.event);
  put(&sum, "strata", "%s", a.strata ? a.strata : "NA");
  put(&sum, "strata_levels", "%d", nstrata);
  put(&sum, "ties", "%s", a.ties == STRATA_COX_EFRON ? "efron" : "breslow");
  put(&sum, "patient_rule", "%s", rule_names[a.rule]);
  put(&sum, "predictors", "%lld", (long long)npred);
  put(&sum, "ranks", "%d", cli->size);
  if (fitted) {
    put(&sum, "multivariable_n", "%lld", (long long)multi.n);
    put(&sum, "multivariable_events", "%lld", (long long)multi.events);
    put(&sum, "multivariable_loglik0", "%.17g", multi.loglik0);
    put(&sum, "multivariable_loglik", "%.17g", multi.loglik);
    put(&sum, "multivariable_df", "%d", multi.df);
    put(&sum, "multivariable_lr", "%.17g", multi.lr);
    put(&sum, "multivariable_p_lr", "%.17g", multi.p_lr);
    put(&sum, "multivariable_wald", "%.17g", multi.wald);
    put(&sum, "multivariable_p_wald", "%.17g", multi.p_wald);
    put(&sum, "multivariable_score", "%.17g", multi.score);
    put(&sum, "multivariable_p_score", "%.17g", multi.p_score);
    put(&sum, "multivariable_iterations", "%d", multi.iter);
    put(&sum, "multivariable_status", "%s", strata_outcome_flag_name(multi.status));
    put(&sum, "multivariable_note", "%s", multi.reason[0] ? multi.reason : "NA");
  }
  put(&sum, "score", "%s", score_name ? score_name : "NA");
  put(&sum, "c_index", "%.17g", conc.c);
  put(&sum, "c_concordant", "%.0f", conc.concordant);
  put(&sum, "c_discordant", "%.0f", conc.discordant);
  put(&sum, "c_tied_score", "%.0f", conc.tied_score);
  if (ngroups) {
    put(&sum, "logrank_chisq", "%.17g", lr.chisq);
    put(&sum, "logrank_df", "%d", lr.df);
    put(&sum, "logrank_p", "%.17g", lr.p);
  }

  if (cli->rank == 0) {
    static char *gn[2] = {"low", "high"};
    strata_outcome_report_t rep = {
        .prefix = a.output, .patient_rule = rule_names[a.rule], .npred = npred, .pred_names = names,
        .rows = rows, .multi = fitted ? &multi : NULL, .multi_names = mnames, .ngroups = ngroups,
        .group_names = gn, .km = km, .nsummary = sum.n, .summary_keys = sum.k, .summary_values = sum.v};
    st = strata_outcome_write(&rep);
    if (!st) {
      printf("outcome: %lld patients, %lld events (%lld without an outcome left out), %lld predictors, "
             "ties %s, patient rule %s%s%s\n",
             (long long)n, (long long)nev, (long long)nmissing, (long long)npred,
             a.ties == STRATA_COX_EFRON ? "efron" : "breslow", rule_names[a.rule],
             a.strata ? ", strata " : "", a.strata ? a.strata : "");
      /* the strongest predictors by LR p */
      int64_t *ord = malloc(sizeof *ord * (npred + 1)), no = 0;
      if (ord) {
        for (int64_t j = 0; j < npred; j++) ord[no++] = j;
        for (int64_t i = 1; i < no; i++)
          for (int64_t k = i; k > 0; k--) {
            double p1 = rows[ord[k - 1]].p_lr, p2 = rows[ord[k]].p_lr;
            if ((isnan(p1) && !isnan(p2)) || p2 < p1) {
              int64_t t = ord[k]; ord[k] = ord[k - 1]; ord[k - 1] = t;
            } else break;
          }
        if (a.top > 0) printf("\n%-20s %6s %6s %10s %22s %10s %10s  %s\n", "predictor", "n", "events", "HR", "95% CI", "p_lr", "q_bh", "flag");
        for (int64_t i = 0; i < no && i < a.top; i++) {
          const strata_cox_row_t *r = &rows[ord[i]];
          printf("%-20.20s %6lld %6lld %10.4g   [%8.4g, %8.4g] %10.3g %10.3g  %s\n", names[ord[i]],
                 (long long)r->n, (long long)r->events, r->hr, r->hr_low, r->hr_high, r->p_lr, r->q_bh,
                 strata_outcome_flag_name(r->flag));
        }
        free(ord);
      }
      /* say which estimates are not finite numbers, not only in the flag column */
      for (int fl = STRATA_COX_CONSTANT; fl <= STRATA_COX_NOT_CONVERGED; fl++) {
        int64_t cnt = 0;
        for (int64_t j = 0; j < npred; j++) cnt += rows[j].flag == fl;
        if (!cnt) continue;
        fprintf(stderr, "strata outcome: warning: %lld predictor(s) flagged %s (%s):", (long long)cnt,
                strata_outcome_flag_name(fl),
                fl == STRATA_COX_INFINITE ? "they separate the events; the hazard ratio is not finite"
                : fl == STRATA_COX_NOT_CONVERGED ? "raise --max-iter"
                : "no estimate, NA");
        for (int64_t j = 0, shown = 0; j < npred && shown < 5; j++)
          if (rows[j].flag == fl) { fprintf(stderr, " %s", names[j]); shown++; }
        fprintf(stderr, "%s\n", cnt > 5 ? " ..." : "");
      }
      if (fitted)
        printf("\nmultivariable: %d predictors, %lld patients, LR %.4g (df %d, p %.3g)%s%s\n", nm,
               (long long)multi.n, multi.lr, multi.df, multi.p_lr, multi.reason[0] ? "; " : "", multi.reason);
      printf("score %s: C-index %.4f", score_name ? score_name : "NA", conc.c);
      if (ngroups) printf(", median split log-rank chi-square %.4g (p %.3g)", lr.chisq, lr.p);
      printf("\n");
    }
  }
  STRATA_CHECK(strata_agree(cli->comm, st));
cleanup:
  if (zs)
    for (int64_t j = 0; j < nz; j++) free(zs[j]);
  if (names)
    for (int64_t j = 0; j < npred; j++) free(names[j]);
  for (int i = 0; i < sum.n; i++) { free(sum.k[i]); free(sum.v[i]); }
  free(zs); free(z); free(zrow); free(names); free(list); free(xs); free(xp); free(time); free(event);
  free(stratum); free(ok); free(ptime); free(pevent); free(pstrat); free(rows); free(msel); free(mok);
  free(mx); free(mnames); free(score); free(sorted); free(group); free(sv);
  free(xv); free(mcol); free(pv); free(qv); free(pidx); free(blk);
  strata_dmat_destroy(&vm);
  strata_partition_destroy(&part);
  strata_grid_destroy(&grid);
  strata_cox_fit_free(&multi);
  strata_km_free(&km[0]);
  strata_km_free(&km[1]);
  strata_logrank_free(&lr);
  strata_cohort_close(&co);
  return st;
}
