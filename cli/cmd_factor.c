/* `strata factor`: fit the MOFA-style factor model to views of a cohort on the process grid.
 * Glue only: reading is io/h5mu_read.c, the model solvers/factor.c, the results file
 * io/mofa2.c.  Chooses the grid from the summed shape, the patient partition over grid rows,
 * gathers the (small) factors and loadings to rank 0, writes and prints the summary there. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "strata/cohort.h"
#include "strata/checkpoint.h"
#include "strata/factor.h"
#include "strata/mofa2.h"
#include "strata/util.h"

static int run(strata_cli_t *cli, int argc, char **argv);

const strata_cmd_t strata_cmd_factor = {
    "factor", "MOFA-style multi-omics factor model (variational Bayes) on the grid",
    "Usage: strata factor COHORT.h5mu -o MODEL.h5 [options]\n"
    "\n"
    "Fits Y_m ~ Z W_m^T to the views of a cohort by mean-field variational inference, as MOFA:\n"
    "Gaussian views with a per-feature noise precision (each feature centred over its observed\n"
    "values; the means are the intercepts), Bernoulli views through the Jaakkola-Jordan bound\n"
    "(intercept fixed at the logit of the observed frequency), an ARD prior on W per view and\n"
    "factor, optional spike-and-slab on W.  Missing entries (NaN) and samples missing a view are\n"
    "left out of every update.  Samples are spread over grid rows (a patient's regions stay\n"
    "together), features over grid columns; no rank holds a whole view.\n"
    "\n"
    "Output: MODEL.h5 in the MOFA2 trained-model layout (expectations/Z and W, variance_explained\n"
    "in percent, names, training_stats/elbo; factors sorted by total R^2), readable by MOFA2's\n"
    "load_model() and muon; a view x factor R^2 table (percent) and the top features of each\n"
    "factor on stdout.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE       the model file (required; written atomically)\n"
    "  -k, --factors K         initial number of factors, 1..64 and at most min(samples, features)\n"
    "                          (default 10)\n"
    "  --views A,B,...         views to use (default: all)\n"
    "  --likelihood V=L[,..]   gaussian or bernoulli for view V (default: the view's metadata\n"
    "                          uns/strata/likelihood, else gaussian); may be repeated\n"
    "  --max-iter N            iterations (default 1000)\n"
    "  --tol X                 stop when |ELBO change| / |ELBO| < X (default 1e-6)\n"
    "  --elbo-freq N           evaluate the ELBO and test convergence every N iterations (1)\n"
    "  --drop-r2 X             drop factors whose largest R^2 over views falls below X\n"
    "                          (fraction; default 0.01; 0 keeps all)\n"
    "  --spikeslab             spike-and-slab prior on the weights\n"
    "  --init pca|random       start from the top principal components of the concatenated\n"
    "                          views (default) or from N(0,1) factors\n"
    "  --seed N                random seed (default 1)\n"
    "  --checkpoint FILE       checkpoint file (default MODEL.h5.ckpt); written every\n"
    "                          --checkpoint-every N iterations and when SIGUSR1 or SIGTERM arrives:\n"
    "                          then the run stops at the next iteration boundary with exit code 6\n"
    "  --checkpoint-every N    (default 0: only on a signal)\n"
    "  --resume FILE           continue from a checkpoint (same data, options and rank count);\n"
    "                          the result equals that of an uninterrupted run\n"
    "  --tsv PREFIX            also write PREFIX.Z.tsv, PREFIX.W.tsv and PREFIX.r2.tsv\n"
    "  --top N                 top features (by |W|) printed per factor (default 5)\n"
    "  --patient-column COL    obs column with the patient id (default: patient, patient_id, ...;\n"
    "                          without one, each sample is its own patient)\n"
    "\n"
    "Exit codes: 0 ok, 1 usage, 2 bad input (unknown view, view without observed values, K not\n"
    "usable, non-binary Bernoulli view, checkpoint of other data), 3 I/O, 4 numerical failure,\n"
    "6 stopped by a signal after writing the checkpoint.\n",
    run};

typedef struct args {
  const char *input, *output, *views, *tsv, *patient_col;
  char *likelihood;   /* concatenated V=L list */
  int64_t top;
  char ckpt_default[4200];
  const char *ckpt_path, *resume_path;  /* --checkpoint (or its default), --resume */
  strata_factor_opts_t fo;
} args_t;

static int parse(int argc, char **argv, args_t *a) {
  int st = STRATA_OK, c;
  int64_t iv;
  static const struct option lo[] = {
      {"output", required_argument, 0, 'o'},  {"factors", required_argument, 0, 'k'},
      {"views", required_argument, 0, 1},     {"likelihood", required_argument, 0, 2},
      {"max-iter", required_argument, 0, 3},  {"tol", required_argument, 0, 4},
      {"elbo-freq", required_argument, 0, 5}, {"drop-r2", required_argument, 0, 6},
      {"spikeslab", no_argument, 0, 7},       {"init", required_argument, 0, 8},
      {"seed", required_argument, 0, 9},      {"checkpoint", required_argument, 0, 10},
      {"checkpoint-every", required_argument, 0, 11}, {"resume", required_argument, 0, 12},
      {"tsv", required_argument, 0, 13},      {"top", required_argument, 0, 14},
      {"patient-column", required_argument, 0, 15}, {0, 0, 0, 0}};
  strata_factor_opts_default(&a->fo);
  a->top = 5;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":o:k:", lo, NULL)) != -1) {
    switch (c) {
    case 'o': a->output = optarg; break;
    case 'k':
      /* any integer is accepted here: K <= 0 or too large is bad input, judged by the solver */
      STRATA_CHECK(strata_cli_int("-k", optarg, INT32_MIN, INT32_MAX, &iv));
      a->fo.k = (int)iv;
      break;
    case 1: a->views = optarg; break;
    case 2: {
      size_t n = (a->likelihood ? strlen(a->likelihood) + 1 : 0) + strlen(optarg) + 1;
      char *s = malloc(n);
      if (!s) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
      snprintf(s, n, "%s%s%s", a->likelihood ? a->likelihood : "", a->likelihood ? "," : "", optarg);
      free(a->likelihood);
      a->likelihood = s;
      break;
    }
    case 3: STRATA_CHECK(strata_cli_int("--max-iter", optarg, 1, INT64_MAX, &a->fo.max_iter)); break;
    case 4: STRATA_CHECK(strata_cli_double("--tol", optarg, 0, 1, &a->fo.tol)); break;
    case 5:
      STRATA_CHECK(strata_cli_int("--elbo-freq", optarg, 1, INT32_MAX, &iv));
      a->fo.elbo_freq = (int)iv;
      break;
    case 6: STRATA_CHECK(strata_cli_double("--drop-r2", optarg, 0, 1, &a->fo.drop_r2)); break;
    case 7: a->fo.spikeslab = 1; break;
    case 8:
      if (strcmp(optarg, "pca") == 0) a->fo.init_random = 0;
      else if (strcmp(optarg, "random") == 0) a->fo.init_random = 1;
      else return strata_cli_usage("--init must be pca or random, got '%s'", optarg);
      break;
    case 9:
      STRATA_CHECK(strata_cli_int("--seed", optarg, 0, INT64_MAX, &iv));
      a->fo.seed = (uint64_t)iv;
      break;
    case 10: a->ckpt_path = optarg; break;
    case 11: STRATA_CHECK(strata_cli_int("--checkpoint-every", optarg, 0, INT64_MAX, &a->fo.checkpoint_every)); break;
    case 12: a->resume_path = optarg; break;
    case 13: a->tsv = optarg; break;
    case 14: STRATA_CHECK(strata_cli_int("--top", optarg, 0, 1000000, &a->top)); break;
    case 15: a->patient_col = optarg; break;
    case ':': return strata_cli_usage("option '%s' needs a value", argv[optind - 1]);
    default: return strata_cli_usage("unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind >= argc) return strata_cli_usage("missing the cohort file (strata factor COHORT.h5mu -o MODEL.h5)");
  a->input = argv[optind++];
  if (optind < argc) return strata_cli_usage("unexpected argument '%s'", argv[optind]);
  if (!a->output) return strata_cli_usage("-o MODEL.h5 is required");
  if (!a->ckpt_path) {
    snprintf(a->ckpt_default, sizeof a->ckpt_default, "%s.ckpt", a->output);
    a->ckpt_path = a->ckpt_default;
  }
cleanup:
  return st;
}

/* The views to fit (indices into the cohort) and their likelihoods. */
static int select_views(const strata_cohort_t *co, const args_t *a, int *nsel, int *sel, int *lik) {
  int st = STRATA_OK;
  char *list = NULL, *tok, *save = NULL;
  *nsel = 0;
  if (a->views) {
    list = strdup(a->views);
    if (!list) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      int v = strata_cohort_find_view(co, tok);
      if (v < 0) {
        char have[1024] = "";
        for (int i = 0; i < co->nviews; i++)
          snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", i ? ", " : "", co->views[i].name);
        STRATA_FAIL(STRATA_ERR_INPUT, "%s: unknown view '%s' (the cohort has: %s)", a->input, tok, have);
      }
      for (int i = 0; i < *nsel; i++)
        if (sel[i] == v) STRATA_FAIL(STRATA_ERR_USAGE, "--views lists '%s' twice", tok);
      sel[(*nsel)++] = v;
    }
    free(list);
    list = NULL;
  } else {
    for (int v = 0; v < co->nviews; v++) sel[(*nsel)++] = v;
  }
  if (*nsel == 0) STRATA_FAIL(STRATA_ERR_INPUT, "%s: no views to fit", a->input);
  for (int i = 0; i < *nsel; i++) {
    const char *l = co->views[sel[i]].likelihood;
    lik[i] = l && strcmp(l, "bernoulli") == 0 ? STRATA_LIK_BERNOULLI : STRATA_LIK_GAUSSIAN;
  }
  if (a->likelihood) {
    list = strdup(a->likelihood);
    if (!list) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
    for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      char *eq = strchr(tok, '=');
      if (!eq) STRATA_FAIL(STRATA_ERR_USAGE, "--likelihood wants VIEW=gaussian|bernoulli, got '%s'", tok);
      *eq = '\0';
      int l = strcmp(eq + 1, "gaussian") == 0 ? STRATA_LIK_GAUSSIAN
              : strcmp(eq + 1, "bernoulli") == 0 ? STRATA_LIK_BERNOULLI : -1;
      if (l < 0) STRATA_FAIL(STRATA_ERR_USAGE, "--likelihood: '%s' is not gaussian or bernoulli", eq + 1);
      int v = strata_cohort_find_view(co, tok), found = 0;
      for (int i = 0; i < *nsel; i++)
        if (sel[i] == v) { lik[i] = l; found = 1; }
      if (!found) STRATA_FAIL(STRATA_ERR_INPUT, "--likelihood: unknown or unselected view '%s'", tok);
    }
  }
cleanup:
  free(list);
  return st;
}

/* Rank 0: the R^2 table and the top features of each factor. */
static void print_summary(const strata_mofa2_model_t *m, int64_t top, const strata_factor_t *f) {
  int K = m->k, M = m->nviews;
  printf("factor model: %d factors, %lld iterations (%s), ELBO %.6g, %.2f s\n", K,
         (long long)f->iterations, f->converged ? "converged" : "not converged",
         f->n_elbo ? f->elbo[f->n_elbo - 1] : NAN, f->seconds);
  printf("\nvariance explained (R^2, %%)\n%-16s", "view");
  for (int k = 0; k < K; k++) printf(" %7s%-2d", "Factor", k + 1);
  printf(" %9s\n", "total");
  for (int v = 0; v < M; v++) {
    printf("%-16.16s", m->view_names[v]);
    for (int k = 0; k < K; k++) printf(" %9.2f", 100 * m->r2[v + k * M]);
    printf(" %9.2f\n", 100 * m->r2_total[v]);
  }
  if (top <= 0) return;
  printf("\ntop features by |weight|\n");
  for (int k = 0; k < K; k++) {
    printf("Factor%d:", k + 1);
    /* selection of the `top` largest |w| over all views, without sorting everything */
    int64_t n = 0, total = 0;
    for (int v = 0; v < M; v++) total += m->nvar[v];
    int64_t want = top < total ? top : total;
    int *bv = calloc((size_t)want + 1, sizeof *bv);
    int64_t *bd = calloc((size_t)want + 1, sizeof *bd);
    if (!bv || !bd) { free(bv); free(bd); printf(" (out of memory)\n"); continue; }
#define TOPVAL(i) fabs(m->w[bv[i]][bd[i] + (int64_t)k * m->nvar[bv[i]]])
    for (int v = 0; v < M; v++)
      for (int64_t d = 0; d < m->nvar[v]; d++) {
        double x = fabs(m->w[v][d + (int64_t)k * m->nvar[v]]);
        if (n == want && !(x > TOPVAL(n - 1))) continue;
        int64_t p = n < want ? n++ : want - 1;
        while (p > 0 && TOPVAL(p - 1) < x) {
          bv[p] = bv[p - 1];
          bd[p] = bd[p - 1];
          p--;
        }
        bv[p] = v;
        bd[p] = d;
      }
#undef TOPVAL
    for (int64_t i = 0; i < n; i++)
      printf(" %s:%s (%.3g)", m->view_names[bv[i]], m->feature_names[bv[i]][bd[i]],
             m->w[bv[i]][bd[i] + k * m->nvar[bv[i]]]);
    printf("\n");
    free(bv);
    free(bd);
  }
}

static int run(strata_cli_t *cli, int argc, char **argv) {
  int st = STRATA_OK;
  args_t a;
  memset(&a, 0, sizeof a);
  strata_cohort_t *co = NULL;
  strata_grid_t *grid = NULL;
  strata_partition_t *part = NULL;
  strata_dmat_t **views = NULL;
  strata_factor_t *f = NULL;
  int *sel = NULL, *lik = NULL, nsel = 0;
  const char **names = NULL, **liknames = NULL;
  char ***fnames = NULL;
  int64_t *nvar = NULL;
  double *z = NULL, **w = NULL, **icpt = NULL;

  STRATA_CHECK(parse(argc, argv, &a));
  strata_cli_input(cli, "COHORT", a.input);
  strata_cli_output(cli, "-o", a.output);
  strata_cli_output(cli, "--checkpoint", a.ckpt_path);
  strata_cli_resume(cli, "--resume", a.resume_path, "--checkpoint");
  strata_cli_output_suffix(cli, "--tsv", a.tsv, ".Z.tsv");
  strata_cli_output_suffix(cli, "--tsv", a.tsv, ".W.tsv");
  strata_cli_output_suffix(cli, "--tsv", a.tsv, ".r2.tsv");
  STRATA_CHECK(strata_cli_start(cli));
  STRATA_CHECK(strata_cohort_open(cli->comm, a.input, a.patient_col, 1, &co));
  STRATA_CALLOC(sel, co->nviews + 1);
  STRATA_CALLOC(lik, co->nviews + 1);
  st = select_views(co, &a, &nsel, sel, lik);
  STRATA_CHECK(strata_agree(cli->comm, st));
  int64_t dtot = 0;
  for (int i = 0; i < nsel; i++) dtot += co->views[sel[i]].nvar;
  STRATA_CHECK(strata_grid_create(cli->comm, cli->nprow, cli->npcol, co->nobs, dtot, co->npatients, &grid));
  STRATA_CHECK(strata_partition_patients(co->nobs, co->patient, co->npatients, NULL, grid->nprow, &part));
  STRATA_CALLOC(views, nsel);
  STRATA_CALLOC(names, nsel);
  strata_ev_run_start(cli->ev, "factor", co->nobs, dtot, nsel, grid->nprow, grid->npcol);
  strata_ev_phase_begin(cli->ev, "read", nsel);
  for (int i = 0; i < nsel; i++) {
    names[i] = co->views[sel[i]].name;
    STRATA_CHECK(strata_cohort_read_view_finite(co, sel[i], grid, part, &views[i]));
  }
  strata_ev_phase_end(cli->ev, "read");
  strata_log(cli->comm, 1, "factor: %lld samples, %d views, %lld features, K = %d, grid %dx%d\n",
             (long long)co->nobs, nsel, (long long)dtot, a.fo.k, grid->nprow, grid->npcol);
  a.fo.view_names = names;
  STRATA_CHECK(strata_ckpt_state_create(a.ckpt_path, &a.fo.checkpoint));
  if (a.resume_path) STRATA_CHECK(strata_ckpt_state_create(a.resume_path, &a.fo.resume));
  STRATA_CHECK(strata_factor_fit(nsel, views, lik, &a.fo, cli->ev, &f));
  for (int i = 0; i < nsel; i++) strata_dmat_destroy(&views[i]);
  strata_ev_phase_begin(cli->ev, "write", 1);
  STRATA_CHECK(strata_factor_gather(f, 0, &z, &w, &icpt));

  if (cli->rank == 0) {
    STRATA_CALLOC(nvar, nsel);
    STRATA_CALLOC(fnames, nsel);
    STRATA_CALLOC(liknames, nsel);
    for (int i = 0; i < nsel; i++) {
      nvar[i] = co->views[sel[i]].nvar;
      fnames[i] = co->views[sel[i]].var_names;
      liknames[i] = lik[i] == STRATA_LIK_BERNOULLI ? "bernoulli" : "gaussian";
    }
    strata_mofa2_model_t m = {
        .group = "group1", .nviews = nsel, .k = f->k, .view_names = (char *const *)names,
        .nobs = co->nobs, .sample_names = co->obs_names, .nvar = nvar,
        .feature_names = (char *const *const *)fnames, .z = z, .w = w, .intercept = icpt,
        .likelihood = liknames, .r2 = f->r2, .r2_total = f->r2_total, .elbo = f->elbo,
        .elbo_iter = f->elbo_iter, .elbo_k = f->elbo_k, .n_elbo = f->n_elbo,
        .iterations = f->iterations, .max_iter = a.fo.max_iter, .elbo_freq = a.fo.elbo_freq,
        .seed = (int64_t)a.fo.seed, .spikeslab = a.fo.spikeslab, .seconds = f->seconds};
    st = strata_mofa2_write(a.output, &m);
    if (!st && a.tsv) st = strata_mofa2_write_tsv(a.tsv, &m);
    if (!st) print_summary(&m, a.top, f);
  }
  STRATA_CHECK(strata_agree(cli->comm, st));
  strata_ev_phase_end(cli->ev, "write");
cleanup:
  if (views)
    for (int i = 0; i < nsel; i++) strata_dmat_destroy(&views[i]);
  if (w)
    for (int i = 0; i < nsel; i++) free(w[i]);
  if (icpt)
    for (int i = 0; i < nsel; i++) free(icpt[i]);
  free(views); free(names); free(liknames); free(fnames); free(nvar); free(sel); free(lik);
  free(z); free(w); free(icpt); free(a.likelihood);
  strata_factor_destroy(&f);
  strata_state_destroy(&a.fo.checkpoint);
  strata_state_destroy(&a.fo.resume);
  strata_partition_destroy(&part);
  strata_grid_destroy(&grid);
  strata_cohort_close(&co);
  return st;
}
