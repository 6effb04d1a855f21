/* `strata outcome`: which factors or obs covariates predict survival.  Glue only: the cohort's
 * obs and a MOFA2 model's Z are read by io/outcome_input.c, brought to one value per patient
 * (the named --patient-rule) and modelled by solvers/outcome/ (Cox, C-index, Kaplan-Meier,
 * log-rank; the univariable table split over ranks); the tables are written by
 * io/outcome_results.c and the report printed by cli/cli_outcome_report.c on rank 0. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_outcome.h"
#include "strata/cohort.h"
#include "strata/dmat.h"
#include "strata/grid.h"
#include "strata/outcome.h"
#include "strata/outcome_input.h"
#include "strata/outcome_results.h"
#include "strata/partition.h"
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
  a->rule = STRATA_OUTCOME_MEAN;
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
      if ((a->rule = strata_outcome_rule_parse(optarg)) < 0) return strata_cli_usage("--patient-rule must be mean, max or min, got '%s'", optarg);
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

/* Collective.  The univariable table rows[npred]: the replicated predictors xp (n x nrep),
 * then the view's features read on a 1 x ranks grid, each rank fitting its own block (kept in
 * *xv, n x nloc; blk[2 * rank] = col0, nloc of every rank); one Benjamini-Hochberg over all. */
static int univariable(strata_cli_t *cli, const strata_cohort_t *co, int rule, const strata_outcome_preds_t *pr,
                       const strata_outcome_cases_t *cs, const strata_surv_t *s, const strata_cox_opts_t *o,
                       const double *xp, strata_cox_row_t *rows, double **xv, int64_t *blk) {
  int st = STRATA_OK;
  strata_grid_t *grid = NULL;
  strata_partition_t *part = NULL;
  strata_dmat_t *vm = NULL;
  double *pv = NULL, *qv = NULL, t_uni = MPI_Wtime(), t_fit = 0;
  int64_t nrep = pr->nrep, D = pr->nview, npred = nrep + D, n = cs->n, N = co->nobs, P = co->npatients;
  int64_t mine[2] = {0, 0};
  strata_ev_phase_begin(cli->ev, "univariable", npred);
  if (nrep > 0) STRATA_CHECK(strata_cox_univariable(cli->comm, s, nrep, xp, o, rows));
  if (D > 0) {
    STRATA_CHECK(strata_grid_create(cli->comm, 1, cli->size, N, D, P, &grid));
    STRATA_CHECK(strata_partition_patients(N, co->patient, P, NULL, 1, &part));
    STRATA_CHECK(strata_cohort_read_view_finite(co, pr->vi, grid, part, &vm));
    mine[0] = vm->col0;
    mine[1] = vm->nloc;
    STRATA_MALLOC(*xv, n * (mine[1] ? mine[1] : 1));
    STRATA_CHECK(strata_outcome_block_to_patients(N, co->patient, P, rule, vm->mloc, vm->rows, vm->a, mine[1], n,
                                                  cs->pidx, *xv));
    strata_dmat_destroy(&vm);
    double t0 = MPI_Wtime();
    STRATA_CHECK(strata_cox_univariable_block(cli->comm, s, D, mine[0], mine[1], *xv, o, rows + nrep));
    t_fit += MPI_Wtime() - t0;
  }
  STRATA_MPI_CHECK(MPI_Allgather(mine, 2, MPI_INT64_T, blk, 2, MPI_INT64_T, cli->comm));
  if (nrep > 0 && D > 0) {
    STRATA_MALLOC(pv, npred);
    STRATA_MALLOC(qv, npred);
    for (int64_t j = 0; j < npred; j++) pv[j] = rows[j].p_lr;
    STRATA_CHECK(strata_p_adjust_bh(npred, pv, qv));
    for (int64_t j = 0; j < npred; j++) rows[j].q_bh = qv[j];
  }
  strata_ev_phase_end(cli->ev, "univariable");
  strata_log(cli->comm, 1, "outcome: univariable table of %lld predictors in %.3f s (view features: %.3f s in the fits)\n",
             (long long)npred, MPI_Wtime() - t_uni, t_fit);
cleanup:
  free(pv);
  free(qv);
  strata_dmat_destroy(&vm);
  strata_partition_destroy(&part);
  strata_grid_destroy(&grid);
  return st;
}

static int run(strata_cli_t *cli, int argc, char **argv) {
  int st = STRATA_OK, nm = 0, *msel = NULL, *mok = NULL;
  args_t a = {0};
  strata_cohort_t *co = NULL;
  strata_outcome_cases_t cs = {0};
  strata_outcome_preds_t pr = {0};
  strata_outcome_split_t split = {0};
  strata_cox_fit_t multi = {0};
  strata_cox_row_t *rows = NULL;
  double *xp = NULL, *xv = NULL, *mcol = NULL, *score = NULL;
  int64_t *blk = NULL;
  char **mnames = NULL;
  const char *score_name = NULL;

  STRATA_CHECK(parse(argc, argv, &a));
  strata_cli_input(cli, "COHORT", a.input);
  strata_cli_input(cli, "--factors", a.factors);
  static const char *sfx[] = STRATA_OUTCOME_SUFFIXES;
  for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) strata_cli_output_suffix(cli, "-o", a.output, sfx[i]);
  STRATA_CHECK(strata_cli_start(cli));
  STRATA_CHECK(strata_cohort_open(cli->comm, a.input, a.patient_col, 1, &co));

  /* the outcome and the predictors per patient (the obs are replicated: the same on every rank) */
  st = strata_outcome_read_cases(co, a.time, a.event, a.strata, &cs);
  STRATA_CHECK(strata_agree(cli->comm, st));
  st = strata_outcome_read_preds(co, a.factors, a.obs, a.view, &pr);
  STRATA_CHECK(strata_agree(cli->comm, st));
  int64_t P = co->npatients, nrep = pr.nrep, npred = pr.nrep + pr.nview;
  STRATA_MALLOC(xp, P * nrep);
  for (int64_t j = 0; j < nrep; j++)
    STRATA_CHECK(strata_outcome_to_patients(co->nobs, co->patient, P, a.rule, pr.xs + j * co->nobs, xp + j * P));
  STRATA_CHECK(strata_outcome_cases_select(&cs, nrep, xp));
  int64_t n = cs.n;
  if (n == 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: no patient has both --time and --event (%lld missing)", a.input, (long long)cs.missing);
  strata_log(cli->comm, 1, "outcome: %lld patients (%lld left out: no outcome), %lld events, %lld predictors, %d ranks\n",
             (long long)n, (long long)cs.missing, (long long)cs.nev, (long long)npred, cli->size);
  strata_surv_t s = {n, cs.ptime, cs.pevent, a.strata ? cs.pstrat : NULL};
  strata_cox_opts_t o;
  strata_cox_opts_default(&o);
  o.ties = a.ties;
  o.max_iter = (int)a.max_iter;

  /* univariable table (predictors split over ranks), then the multivariable model (replicated) */
  STRATA_CALLOC(rows, npred);
  STRATA_MALLOC(blk, 2 * (size_t)cli->size);
  STRATA_CHECK(univariable(cli, co, a.rule, &pr, &cs, &s, &o, xp, rows, &xv, blk));
  STRATA_CALLOC(msel, npred);
  STRATA_CHECK(strata_outcome_select(npred, pr.names, rows, a.multi, msel, &nm));
  if (nm > 0) {
    STRATA_MALLOC(mok, n);
    STRATA_MALLOC(mcol, n * nm);
    STRATA_MALLOC(mnames, nm);
    for (int k = 0; k < nm; k++) {
      mnames[k] = pr.names[msel[k]];
      STRATA_CHECK(strata_outcome_column(cli->comm, msel[k], nrep, xp, n, blk, xv, mcol + k * n));
    }
    STRATA_CHECK(strata_cox_fit_complete(&s, nm, mcol, &o, mok, &multi));
  }

  /* the score: multivariable linear predictor, or one predictor times the sign of its coef */
  STRATA_MALLOC(score, n);
  if ((a.score && strcmp(a.score, "multivariable") == 0) || (!a.score && nm > 0)) {
    if (nm == 0) STRATA_FAIL(STRATA_ERR_USAGE, "--score multivariable: no multivariable model (see --multivariable)");
    score_name = "multivariable";
    strata_outcome_linear_predictor(n, nm, mcol, multi.coef, mok, score);
  } else {
    int64_t best = -1;
    STRATA_CHECK(strata_outcome_pick(npred, pr.names, rows, a.score, &best));
    for (int64_t i = 0; i < n && best < 0; i++) score[i] = NAN;
    if (best >= 0) {
      score_name = pr.names[best];
      double sg = isnan(rows[best].coef) ? 1 : rows[best].coef < 0 ? -1 : 1;
      STRATA_CHECK(strata_outcome_column(cli->comm, best, nrep, xp, n, blk, xv, score));
      for (int64_t i = 0; i < n; i++) score[i] *= sg;
    }
  }
  STRATA_CHECK(strata_outcome_split(&s, score, &split));

  if (cli->rank == 0) {
    strata_cli_outcome_t r = {
        .prefix = a.output, .time = a.time, .event = a.event, .strata = a.strata, .ties = a.ties,
        .rule = a.rule, .ranks = cli->size, .top = a.top, .cases = &cs, .npred = npred, .names = pr.names,
        .rows = rows, .multi = nm > 0 ? &multi : NULL, .multi_names = mnames, .score_name = score_name,
        .split = &split};
    st = strata_cli_outcome_report(&r);
  }
  STRATA_CHECK(strata_agree(cli->comm, st));
cleanup:
  free(xp); free(xv); free(mcol); free(score); free(blk); free(rows); free(msel); free(mok); free(mnames);
  strata_outcome_cases_free(&cs);
  strata_outcome_preds_free(&pr);
  strata_cox_fit_free(&multi);
  strata_outcome_split_free(&split);
  strata_cohort_close(&co);
  return st;
}
