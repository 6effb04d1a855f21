/* `strata pca` (and, through strata_pca_cli_run, `strata svd`): top-k PCA/SVD of one view or of
 * several views jointly (MFA weighting) read from a cohort .h5mu.  Glue only: reading is
 * io/h5mu_read.c, the decomposition solvers/svd*.c, the results writer io/pca_results.c.  The
 * input file is never modified: results go to a new .h5mu (and TSV on request). */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "strata/cohort.h"
#include "strata/pca_results.h"
#include "strata/svd.h"
#include "strata/util.h"

int strata_pca_cli_run(strata_cli_t *cli, int argc, char **argv, int centered);

static int run(strata_cli_t *cli, int argc, char **argv) {
  return strata_pca_cli_run(cli, argc, argv, 1);
}

#define PCA_OPTIONS_HELP                                                                        \
  "Input and output:\n"                                                                         \
  "  -o, --output FILE     results .h5mu (required; must differ from the input, which is never\n" \
  "                        modified; written to a temporary name and renamed on success)\n"     \
  "  --views A,B,...       views (modalities) to use, jointly (default: all views)\n"           \
  "  --tsv PREFIX          also write PREFIX.scores.tsv, PREFIX.loadings.tsv, PREFIX.variance.tsv\n" \
  "  --patient-column C    obs column with the patient id (samples of a patient stay on one\n"  \
  "                        grid row; default: patient, patient_id, ...; none: one per sample)\n" \
  "Decomposition:\n"                                                                            \
  "  -k, --components K    number of components (default 10)\n"                                \
  "  --method M            auto (default), randomized, exact or gram.  auto picks randomized\n" \
  "                        when k+p is small next to min(N,D), otherwise exact (pdgesvd), or\n" \
  "                        gram (N x N Gram + pdsyevd) when D > 4N; it prints why.  exact\n"   \
  "                        refuses (auto: goes randomized) when pdgesvd's own ScaLAPACK\n"     \
  "                        redistribution of U would pass 2^28 elements on one process\n"      \
  "                        (on one rank: N min(N,D) >= 2^28, e.g. 16,384 x 16,384)\n"          \
  "  --oversample P        randomized: extra sketch columns (default 10)\n"                     \
  "  --power-iters Q       randomized: power iterations, each re-orthonormalised (default 2)\n" \
  "  --seed S              randomized: seed of the random sign test matrix (default 42); the\n" \
  "                        answer does not depend on the rank count or grid\n"                  \
  "  --block-size NB       exact/gram: ScaLAPACK block size (default 64)\n"                     \
  "  --scale               divide each feature by its standard deviation (observed entries;\n"  \
  "                        constant features are left unscaled)\n"                              \
  "Joint analysis of several views:\n"                                                          \
  "  --no-mfa              do not divide each view by its first singular value (MFA weighting\n" \
  "                        is on by default with two or more views)\n"                          \
  "  --weights W1,W2,...   extra positive weight per view (in --views order), multiplying MFA\n" \
  "  A sample lacking a view contributes nothing to that view's block (its centred row there\n" \
  "  is zero); its scores come from its other views.\n"                                         \
  "Missing entries (NaN) of a sample that has the view:\n"                                      \
  "  --impute M            mean (default): the feature's mean over observed entries;\n"         \
  "                        soft: iterative rank-k SVD imputation (soft-impute) from the mean\n" \
  "  --impute-tol T        soft: stop when the imputed values change by less than T relative\n" \
  "                        to the norm of the matrix (default 1e-5)\n"                          \
  "  --impute-maxiter N    soft: at most N refits (default 100)\n"                              \
  "  --soft-lambda L       soft: shrink singular values by L (default 0: hard impute)\n"        \
  "\n"                                                                                          \
  "Exit codes: 0 ok, 1 usage, 2 bad input (file, view, option value), 3 I/O or system,\n"       \
  "4 numerical failure (LAPACK/ScaLAPACK), 5 internal error.\n"

const strata_cmd_t strata_cmd_pca = {
    "pca", "principal components of one view or of several views jointly (MFA)",
    "Usage: strata pca [options] COHORT.h5mu -o RESULTS.h5mu\n"
    "\n"
    "Top-k principal components of the centred (optionally scaled) views of a cohort, on a\n"
    "process grid: samples over grid rows, features over grid columns.  Centring is implicit\n"
    "(never a centred copy of the data).  Results as scanpy stores them: obsm/X_pca (scores,\n"
    "U diag(s), N x k), mod/<view>/varm/PCs (loadings, D_m x k), uns/pca/variance,\n"
    "variance_ratio, singular_values, view_weights and params.  Rank 0 prints the method used\n"
    "and why, and the variance explained per component.\n"
    "\n" PCA_OPTIONS_HELP,
    run};

/* Split "a,b,c" into a new array of new strings. */
static int split_list(const char *s, int *n, char ***out) {
  int st = STRATA_OK, cnt = 1;
  char **v = NULL, *dup = NULL;
  for (const char *p = s; *p; p++) cnt += *p == ',';
  STRATA_CALLOC(v, cnt);
  dup = strdup(s);
  if (!dup) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  char *save = NULL, *tok = strtok_r(dup, ",", &save);
  int i = 0;
  while (tok && i < cnt) {
    v[i] = strdup(tok);
    if (!v[i++]) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    tok = strtok_r(NULL, ",", &save);
  }
  *n = i;
cleanup:
  free(dup);
  if (st) {
    for (int j = 0; v && j < cnt; j++) free(v[j]);
    free(v);
    v = NULL;
  }
  *out = v;
  return st;
}

/* Record a usage error (exit 1) and leave through cleanup. */
#define USAGE(...)                      \
  do {                                  \
    st = strata_cli_usage(__VA_ARGS__); \
    goto cleanup;                       \
  } while (0)

static void free_list(int n, char **v) {
  for (int i = 0; v && i < n; i++) free(v[i]);
  free(v);
}

int strata_pca_cli_run(strata_cli_t *cli, int argc, char **argv, int centered) {
  int st = STRATA_OK;
  const char *cmd = centered ? "pca" : "svd";
  const char *output = NULL, *tsv = NULL, *views_arg = NULL, *weights_arg = NULL,
             *patient_col = NULL;
  strata_svd_opts_t o;
  strata_cohort_t *c = NULL;
  strata_grid_t *g = NULL;
  strata_partition_t *part = NULL;
  strata_dmat_t **dm = NULL;
  strata_svd_result_t *res = NULL;
  char **vnames = NULL, **wstr = NULL;
  int nsel = 0, nw = 0, *vidx = NULL;
  double *weights = NULL, *U = NULL, **V = NULL;
  int64_t v64 = 0;
  strata_svd_opts_default(&o);
  o.center = centered;
  enum { O_VIEWS = 256, O_METHOD, O_OVERSAMPLE, O_POWER, O_SEED, O_SCALE, O_NOMFA, O_WEIGHTS,
         O_IMPUTE, O_ITOL, O_IMAX, O_LAMBDA, O_TSV, O_PATIENT, O_NB };
  static const struct option longopts[] = {
      {"output", required_argument, NULL, 'o'},      {"components", required_argument, NULL, 'k'},
      {"views", required_argument, NULL, O_VIEWS},   {"method", required_argument, NULL, O_METHOD},
      {"oversample", required_argument, NULL, O_OVERSAMPLE},
      {"power-iters", required_argument, NULL, O_POWER},
      {"seed", required_argument, NULL, O_SEED},     {"scale", no_argument, NULL, O_SCALE},
      {"no-mfa", no_argument, NULL, O_NOMFA},        {"weights", required_argument, NULL, O_WEIGHTS},
      {"impute", required_argument, NULL, O_IMPUTE}, {"impute-tol", required_argument, NULL, O_ITOL},
      {"impute-maxiter", required_argument, NULL, O_IMAX},
      {"soft-lambda", required_argument, NULL, O_LAMBDA},
      {"tsv", required_argument, NULL, O_TSV},       {"patient-column", required_argument, NULL, O_PATIENT},
      {"block-size", required_argument, NULL, O_NB}, {NULL, 0, NULL, 0}};
  int opt;
  opterr = 0;
  while ((opt = getopt_long(argc, argv, ":o:k:", longopts, NULL)) != -1) {
    switch (opt) {
      case 'o': output = optarg; break;
      case 'k': STRATA_CHECK(strata_cli_int("--components", optarg, 1, 100000, &v64)); o.k = (int)v64; break;
      case O_VIEWS: views_arg = optarg; break;
      case O_METHOD:
        o.method = strata_svd_method_parse(optarg);
        if (o.method < 0) USAGE("--method: unknown method '%s' (auto, randomized, exact, gram)", optarg);
        break;
      case O_OVERSAMPLE: STRATA_CHECK(strata_cli_int("--oversample", optarg, 0, 100000, &v64)); o.oversample = (int)v64; break;
      case O_POWER: STRATA_CHECK(strata_cli_int("--power-iters", optarg, 0, 1000, &v64)); o.power_iters = (int)v64; break;
      case O_SEED: STRATA_CHECK(strata_cli_int("--seed", optarg, 0, INT64_MAX, &v64)); o.seed = (uint64_t)v64; break;
      case O_SCALE: o.scale = 1; break;
      case O_NOMFA: o.mfa = 0; break;
      case O_WEIGHTS: weights_arg = optarg; break;
      case O_IMPUTE:
        if (strcmp(optarg, "mean") == 0) o.impute = STRATA_IMPUTE_MEAN;
        else if (strcmp(optarg, "soft") == 0) o.impute = STRATA_IMPUTE_SOFT;
        else USAGE("--impute: unknown method '%s' (mean, soft)", optarg);
        break;
      case O_ITOL: STRATA_CHECK(strata_cli_double("--impute-tol", optarg, 0, 1, &o.impute_tol)); break;
      case O_IMAX: STRATA_CHECK(strata_cli_int("--impute-maxiter", optarg, 1, 1000000, &v64)); o.impute_maxiter = (int)v64; break;
      case O_LAMBDA: STRATA_CHECK(strata_cli_double("--soft-lambda", optarg, 0, HUGE_VAL, &o.soft_lambda)); break;
      case O_TSV: tsv = optarg; break;
      case O_PATIENT: patient_col = optarg; break;
      case O_NB: STRATA_CHECK(strata_cli_int("--block-size", optarg, 1, 4096, &v64)); o.nb = (int)v64; break;
      case ':': USAGE("option '%s' needs a value", argv[optind - 1]);
      default: USAGE("unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind >= argc) USAGE("no input cohort given");
  if (optind != argc - 1) USAGE("one input cohort expected, got %d arguments", argc - optind);
  const char *input = argv[optind];
  if (!output) USAGE("-o/--output RESULTS.h5mu is required");
  strata_cli_input(cli, "COHORT", input);
  strata_cli_output(cli, "-o", output);
  strata_cli_output_suffix(cli, "--tsv", tsv, ".scores.tsv");
  strata_cli_output_suffix(cli, "--tsv", tsv, ".loadings.tsv");
  strata_cli_output_suffix(cli, "--tsv", tsv, ".variance.tsv");
  STRATA_CHECK(strata_cli_start(cli));
  o.ev = cli->ev;

  /* the cohort and the views */
  STRATA_CHECK(strata_cohort_open(cli->comm, input, patient_col, 1, &c));
  if (views_arg) {
    STRATA_CHECK(split_list(views_arg, &nsel, &vnames));
  } else {
    nsel = c->nviews;
    STRATA_CALLOC(vnames, nsel);
    for (int m = 0; m < nsel; m++) {
      vnames[m] = strdup(c->views[m].name);
      if (!vnames[m]) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    }
  }
  if (nsel < 1) STRATA_FAIL(STRATA_ERR_INPUT, "%s: no views to analyse", input);
  STRATA_CALLOC(vidx, nsel);
  int64_t Dtot = 0;
  for (int m = 0; m < nsel; m++) {
    vidx[m] = strata_cohort_find_view(c, vnames[m]);
    if (vidx[m] < 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: no view '%s' in mod/ (--views)", input, vnames[m]);
    for (int j = 0; j < m; j++)
      if (vidx[j] == vidx[m]) STRATA_FAIL(STRATA_ERR_USAGE, "--views: view '%s' given twice", vnames[m]);
    Dtot += c->views[vidx[m]].nvar;
  }
  if (weights_arg) {
    STRATA_CHECK(split_list(weights_arg, &nw, &wstr));
    if (nw != nsel) USAGE("--weights: %d weights for %d views", nw, nsel);
    STRATA_CALLOC(weights, nw);
    for (int m = 0; m < nw; m++) STRATA_CHECK(strata_cli_double("--weights", wstr[m], 1e-300, HUGE_VAL, &weights[m]));
    o.weights = weights;
  }
  {
    int64_t mn = c->nobs < Dtot ? c->nobs : Dtot;
    if (o.k > mn) STRATA_FAIL(STRATA_ERR_INPUT, "-k %d: the data are %lld samples x %lld features, so at most %lld components", o.k, (long long)c->nobs, (long long)Dtot, (long long)mn);
  }
  STRATA_CHECK(strata_grid_create(cli->comm, cli->nprow, cli->npcol, c->nobs, Dtot, c->npatients, &g));
  STRATA_CHECK(strata_partition_patients(c->nobs, c->patient, c->npatients, NULL, g->nprow, &part));
  strata_ev_run_start(cli->ev, cmd, c->nobs, Dtot, nsel, g->nprow, g->npcol);
  strata_ev_phase_begin(cli->ev, "read", nsel);
  STRATA_CALLOC(dm, nsel);
  for (int m = 0; m < nsel; m++) STRATA_CHECK(strata_cohort_read_view_finite(c, vidx[m], g, part, &dm[m]));
  strata_ev_phase_end(cli->ev, "read");

  /* the decomposition */
  strata_ev_phase_begin(cli->ev, cmd, o.power_iters * 2 + 2);
  double t0 = strata_wtime();
  STRATA_CHECK(strata_svd_compute(nsel, dm, &o, &res));
  double tsolve = strata_wtime() - t0;
  strata_ev_phase_end(cli->ev, cmd);

  /* results */
  STRATA_CHECK(strata_svd_gather(res, dm, 0, &U, &V));
  if (cli->rank == 0) {
    int64_t *nvar = NULL;
    char ***var_names = NULL;
    const uint32_t **obsmap = NULL;
    nvar = calloc((size_t)nsel, sizeof *nvar);
    var_names = calloc((size_t)nsel, sizeof *var_names);
    obsmap = calloc((size_t)nsel, sizeof *obsmap);
    if (!nvar || !var_names || !obsmap) {
      st = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
    } else {
      for (int m = 0; m < nsel; m++) {
        nvar[m] = c->views[vidx[m]].nvar;
        var_names[m] = c->views[vidx[m]].var_names;
        obsmap[m] = c->views[vidx[m]].obsmap;
      }
      strata_pca_results_t r = {
          .centered = centered, .nobs = c->nobs, .obs_names = c->obs_names, .nviews = nsel,
          .view_names = vnames, .nvar = nvar, .var_names = (char *const *const *)var_names,
          .obsmap = obsmap, .k = res->k, .s = res->s, .variance = res->variance,
          .variance_ratio = res->variance_ratio, .view_weight = res->view_weight, .u = U,
          .v = (const double *const *)V, .method = strata_svd_method_name(res->method),
          .method_reason = res->method_reason, .scaled = o.scale, .mfa = o.mfa && nsel > 1,
          .oversample = o.oversample, .power_iters = o.power_iters,
          .impute = o.impute == STRATA_IMPUTE_SOFT ? "soft" : "mean",
          .impute_iters = res->impute_iters, .impute_change = res->impute_change, .input = input};
      st = strata_pca_results_write_h5mu(output, &r);
      if (!st && tsv) st = strata_pca_results_write_tsv(tsv, &r);
    }
    free(nvar);
    free(var_names);
    free(obsmap);
  }
  STRATA_CHECK(strata_agree(cli->comm, st));
  if (cli->rank == 0) {
    printf("# strata %s: %lld samples x %lld features, %d view(s), grid %dx%d, %.3f s\n", cmd,
           (long long)c->nobs, (long long)Dtot, nsel, g->nprow, g->npcol, tsolve);
    printf("# method %s\n", res->method_reason);
    if (nsel > 1)
      for (int m = 0; m < nsel; m++)
        printf("# view %s: weight %.6g (first singular value %.6g)\n", vnames[m], res->view_weight[m], res->view_sigma1[m]);
    if (o.impute == STRATA_IMPUTE_SOFT)
      printf("# soft-impute: %d refits, last change %.3g (%s)\n", res->impute_iters, res->impute_change,
             res->impute_converged ? "converged" : "not converged");
    printf("component\tsingular_value\tvariance\tvariance_ratio\n");
    for (int k = 0; k < res->k; k++)
      printf("%s%d\t%.10g\t%.10g\t%.6f\n", centered ? "PC" : "SV", k + 1, res->s[k], res->variance[k], res->variance_ratio[k]);
    printf("# results: %s\n", output);
  }
cleanup:
  if (V)
    for (int m = 0; m < nsel; m++) free(V[m]);
  free(V);
  free(U);
  strata_svd_result_destroy(&res);
  if (dm)
    for (int m = 0; m < nsel; m++) strata_dmat_destroy(&dm[m]);
  free(dm);
  strata_partition_destroy(&part);
  strata_grid_destroy(&g);
  strata_cohort_close(&c);
  free_list(nsel, vnames);
  free_list(nw, wstr);
  free(weights);
  free(vidx);
  return st;
}
