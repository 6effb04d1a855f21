/* strata simulate: write a synthetic TRACERx-shaped cohort (.h5mu) with its planted truth, and
 * optionally multi-region mutation tables with a planted clone tree.  Option parsing, then
 * simulate (simulate/simulate.c: the cohort-level truth and the clone tree, identical on every
 * rank) -> write (io/simulate_write.c: every rank generates and writes its rows of each view in
 * slabs, rank 0 the truth and the mutation tables). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "strata/simulate.h"
#include "strata/simulate_io.h"
#include "strata/util.h"

#define MAX_VIEWS 64

/* --views NAME:LIK:D[,NAME:LIK:D...] */
static int parse_views(const char *arg, strata_sim_view_t *views, int *nviews) {
  int st = STRATA_OK, n = 0;
  char *copy = strdup(arg), *save = NULL;
  if (!copy) return strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "out of memory");
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char name[256], lik[64], opt[300];
    int64_t d = 0;
    int len = 0;
    if (n == MAX_VIEWS) STRATA_FAIL(STRATA_ERR_USAGE, "--views: at most %d views", MAX_VIEWS);
    /* the count goes through strata_cli_int: sscanf's %lld has no defined overflow */
    if (sscanf(tok, "%255[^:]:%63[^:]:%n", name, lik, &len) != 2 || len == 0)
      STRATA_FAIL(STRATA_ERR_USAGE, "--views wants NAME:gaussian|bernoulli:FEATURES[,...], got '%s'", tok);
    if (strlen(name) >= sizeof views[n].name || strchr(name, '/'))
      STRATA_FAIL(STRATA_ERR_USAGE, "--views: view name '%s' is too long or contains '/'", name);
    if (strcmp(lik, "gaussian") && strcmp(lik, "bernoulli"))
      STRATA_FAIL(STRATA_ERR_USAGE, "--views %s: likelihood '%s' is not gaussian or bernoulli", name, lik);
    snprintf(opt, sizeof opt, "--views %s: FEATURES", name);
    STRATA_CHECK(strata_cli_int(opt, tok + len, 1, (int64_t)1 << 40, &d));
    for (int k = 0; k < n; k++)
      if (!strcmp(views[k].name, name)) STRATA_FAIL(STRATA_ERR_USAGE, "--views: view '%s' given twice", name);
    memset(&views[n], 0, sizeof views[n]);
    snprintf(views[n].name, sizeof views[n].name, "%s", name);
    views[n].lik = strcmp(lik, "bernoulli") ? STRATA_SIM_GAUSSIAN : STRATA_SIM_BERNOULLI;
    views[n].nvar = d;
    n++;
  }
  if (n == 0) STRATA_FAIL(STRATA_ERR_USAGE, "--views: no view in '%s'", arg);
  *nviews = n;
cleanup:
  free(copy);
  return st;
}

/* --missing F (every view) or NAME=F[,NAME=F...] (others 0) */
static int parse_missing(const char *arg, strata_sim_view_t *views, int nviews) {
  int st = STRATA_OK;
  char *copy = NULL, *save = NULL;
  if (!strchr(arg, '=')) {
    double f = 0;
    STRATA_CHECK(strata_cli_double("--missing", arg, 0.0, 0.99, &f));
    for (int k = 0; k < nviews; k++) views[k].missing = f;
    goto cleanup;
  }
  if (!(copy = strdup(arg))) STRATA_FAIL(STRATA_ERR_MEM, "out of memory");
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(tok, '=');
    if (!eq) STRATA_FAIL(STRATA_ERR_USAGE, "--missing wants F or VIEW=F[,VIEW=F...], got '%s'", tok);
    *eq = '\0';
    int k = 0;
    while (k < nviews && strcmp(views[k].name, tok)) k++;
    if (k == nviews) STRATA_FAIL(STRATA_ERR_USAGE, "--missing: no view called '%s' in --views", tok);
    STRATA_CHECK(strata_cli_double("--missing", eq + 1, 0.0, 0.99, &views[k].missing));
  }
cleanup:
  free(copy);
  return st;
}

/* The generative model's functions, handed to the writers (io/ may not call simulate/). */
static const strata_sim_model_t model = {
    strata_sim_present, strata_sim_loadings, strata_sim_loadings_destroy, strata_sim_nstats,
    strata_sim_rows,    strata_sim_r2,       strata_sim_patient_mutations, strata_sim_mutations_free};

typedef struct {
  strata_sim_params_t par;
  strata_sim_view_t views[MAX_VIEWS];
  strata_sim_write_opts_t wo;
  const char *out, *views_arg, *missing_arg;
  int64_t maxc;
} sim_args_t;

/* The options with their defaults (not collective; a bad value is a usage error). */
static int parse_options(int argc, char **argv, sim_args_t *a) {
  int st = STRATA_OK, c;
  int64_t v64 = 0, lo = 0, hi = 0;
#define OPT(name, c) {name, required_argument, NULL, c}
  static const struct option longopts[] = {
      OPT("output", 'o'), OPT("patients", 'P'), OPT("regions", 'r'), OPT("views", 'V'),
      OPT("factors", 'K'), OPT("view-factors", 'k'), OPT("seed", 's'), OPT("missing", 'm'),
      OPT("dtype", 't'), OPT("active", 'a'), OPT("density", 'd'), OPT("noise", 'n'),
      OPT("patient-corr", 'c'), OPT("mutations", 'M'), OPT("mutations-per-patient", 'u'),
      OPT("depth", 'D'), OPT("clusters", 'C'), OPT("slab-mb", 'S'), {NULL, 0, NULL, 0}};
#undef OPT
  *a = (sim_args_t){
      .par = {.seed = 1, .npatients = 100, .rmin = 1, .rmax = 7, .K = 10, .Kv = 2, .active = 0.7,
              .density = 0.5, .noise = 1.0, .patient_corr = 0.5},
      .wo = {.dtype_bytes = 4, .slab_bytes = (int64_t)64 << 20, .mean_mutations = 100, .mean_depth = 100},
      .views_arg = "rna:gaussian:2000,meth:gaussian:1000,mut:bernoulli:500", .missing_arg = "0.1", .maxc = 5};
  opterr = 0; /* getopt would print on every rank: the message goes through main */
  while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
    switch (c) {
    case 'o': a->out = optarg; break;
    case 'P': STRATA_CHECK(strata_cli_int("--patients", optarg, 1, 100000000, &a->par.npatients)); break;
    case 'r':
      STRATA_CHECK(strata_cli_int_pair("--regions", optarg, '-', 1, 1000, 1, &lo, &hi));
      if (hi < lo) STRATA_CHECK(strata_cli_usage("--regions wants MIN-MAX with MIN <= MAX, got '%s'", optarg));
      a->par.rmin = (int)lo;
      a->par.rmax = (int)hi;
      break;
    case 'V': a->views_arg = optarg; break;
    case 'K': STRATA_CHECK(strata_cli_int("--factors", optarg, 1, 1000, &v64)); a->par.K = (int)v64; break;
    case 'k': STRATA_CHECK(strata_cli_int("--view-factors", optarg, 0, 1000, &v64)); a->par.Kv = (int)v64; break;
    case 's': STRATA_CHECK(strata_cli_int("--seed", optarg, 0, INT64_MAX, &v64)); a->par.seed = (uint64_t)v64; break;
    case 'm': a->missing_arg = optarg; break;
    case 't':
      if (!strcmp(optarg, "float32")) a->wo.dtype_bytes = 4;
      else if (!strcmp(optarg, "float64")) a->wo.dtype_bytes = 8;
      else STRATA_CHECK(strata_cli_usage("--dtype wants float32 or float64, got '%s'", optarg));
      break;
    case 'a': STRATA_CHECK(strata_cli_double("--active", optarg, 0.0, 1.0, &a->par.active)); break;
    case 'd': STRATA_CHECK(strata_cli_double("--density", optarg, 1e-9, 1.0, &a->par.density)); break;
    case 'n': STRATA_CHECK(strata_cli_double("--noise", optarg, 1e-6, 1e6, &a->par.noise)); break;
    case 'c': STRATA_CHECK(strata_cli_double("--patient-corr", optarg, 0.0, 1.0, &a->par.patient_corr)); break;
    case 'M': a->wo.mut_prefix = optarg; break;
    case 'u':
      STRATA_CHECK(strata_cli_int("--mutations-per-patient", optarg, 1, 10000000, &v64));
      a->wo.mean_mutations = (int)v64;
      break;
    case 'D': STRATA_CHECK(strata_cli_int("--depth", optarg, 5, 100000, &v64)); a->wo.mean_depth = (int)v64; break;
    case 'C': STRATA_CHECK(strata_cli_int("--clusters", optarg, 2, 100, &a->maxc)); break;
    case 'S': STRATA_CHECK(strata_cli_int("--slab-mb", optarg, 1, 1 << 20, &v64)); a->wo.slab_bytes = v64 << 20; break;
    default: STRATA_CHECK(strata_cli_usage("unknown option or missing value: '%s'", argv[optind - 1]));
    }
  }
  if (optind < argc) STRATA_CHECK(strata_cli_usage("unexpected argument '%s'", argv[optind]));
  if (!a->out) STRATA_CHECK(strata_cli_usage("-o/--output is required"));
cleanup:
  return st;
}

static int run(strata_cli_t *cli, int argc, char **argv) {
  static const char *const mut_suffix[] = {".maf.tsv", ".ccf.tsv", ".clin.tsv", ".clones.tsv"};
  int st = STRATA_OK, lst = STRATA_OK;
  sim_args_t a;
  strata_sim_t *s = NULL;
  strata_sim_clones_t *clones = NULL;
  double r2t[MAX_VIEWS];
  const strata_sim_view_t *views = a.views;
  const char *mut = NULL;
  int64_t total_bytes = 0;
  STRATA_CHECK(parse_options(argc, argv, &a));
  mut = a.wo.mut_prefix;
  strata_cli_output(cli, "-o", a.out);
  for (int k = 0; k < 4; k++) strata_cli_output_suffix(cli, "--mutations", mut, mut_suffix[k]);
  STRATA_CHECK(strata_cli_start(cli));
  STRATA_CHECK(parse_views(a.views_arg, a.views, &a.par.nviews));
  STRATA_CHECK(parse_missing(a.missing_arg, a.views, a.par.nviews));
  a.par.views = a.views;

  double t0 = strata_wtime();
  /* everything below the options is deterministic and identical on every rank */
  lst = strata_sim_create(&a.par, &s);
  if (!lst && mut) lst = strata_sim_clones(s, (int)a.maxc, &clones);
  STRATA_CHECK(strata_agree(cli->comm, lst));
  STRATA_CHECK(strata_sim_write(cli->comm, cli->ev, a.out, s, clones, &model, &a.wo, r2t, &total_bytes));
  double dt = strata_wtime() - t0;
  if (cli->rank == 0 && cli->verbosity >= 1) {
    printf("wrote %s: %lld samples, %lld patients, %d views, %.3f GB of X in %.2f s (%.3f GB/s)\n",
           a.out, (long long)s->nobs, (long long)s->par.npatients, a.par.nviews, total_bytes / 1e9, dt,
           dt > 0 ? total_bytes / 1e9 / dt : 0.0);
    for (int v = 0; v < a.par.nviews; v++)
      printf("  %-12s %-9s %7lld features  planted R2 total %.3f\n", views[v].name,
             views[v].lik == STRATA_SIM_GAUSSIAN ? "gaussian" : "bernoulli",
             (long long)views[v].nvar, r2t[v]);
    if (mut) printf("  mutations: %s.maf.tsv %s.ccf.tsv %s.clin.tsv %s.clones.tsv\n", mut, mut, mut, mut);
  }
cleanup:
  strata_sim_clones_destroy(&clones);
  strata_sim_destroy(&s);
  return st;
}

const strata_cmd_t strata_cmd_simulate = {
    "simulate", "synthetic TRACERx-shaped cohort with planted factors (and clones)",
    "Usage: strata simulate -o COHORT.h5mu [options]\n"
    "\n"
    "Write a synthetic multi-region, multi-omics cohort with a known truth.  Patients have\n"
    "--regions tumour regions each; regions share K latent factors Z (correlated within a\n"
    "patient) across views, plus --view-factors factors of their own per view.  Loadings are\n"
    "ARD-like: a shared factor is active in a view with probability --active (factor k is always\n"
    "active in view k mod M), its loadings are spike-and-slab with --density non-zeros and a\n"
    "per-view scale U(0.5, 1.5).  Gaussian views: Y = Z W^T + Zv V^T + noise with per-feature sd\n"
    "--noise * U(0.5, 1.5) (precision stored).  Bernoulli views: Y ~ Bernoulli(logistic(Z W^T +\n"
    "Zv V^T + b)) with intercepts b ~ N(-1, 0.5^2).  Each region lacks each view with probability\n"
    "--missing (obsmap 0).  All ranks generate and write their rows in parallel, in slabs, so a\n"
    "10,000 x 450,000 view needs disk, not memory; every value is drawn from a counter-based RNG\n"
    "by (seed, view, element): the data are identical for any rank count.\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE       cohort to write (.h5mu; temporary name, renamed at the end)\n"
    "  --patients N            patients (default 100)\n"
    "  --regions A-B | N       regions per patient, uniform in A..B (default 1-7)\n"
    "  --views SPEC            NAME:gaussian|bernoulli:FEATURES[,...]\n"
    "                          (default rna:gaussian:2000,meth:gaussian:1000,mut:bernoulli:500)\n"
    "  --factors K             shared factors (default 10)\n"
    "  --view-factors K        view-specific factors per view (default 2)\n"
    "  --seed S                RNG seed (default 1)\n"
    "  --missing F | V=F,...   probability that a region lacks a view: one value for all views\n"
    "                          or per view (views not named: 0); default 0.1\n"
    "  --dtype float32|float64 storage type of X (default float32)\n"
    "  --active F              probability that a shared factor is active in a view (default 0.7)\n"
    "  --density F             fraction of non-zero loadings of an active factor (default 0.5)\n"
    "  --noise F               Gaussian noise scale (default 1)\n"
    "  --patient-corr R        correlation of Z between regions of one patient (default 0.5)\n"
    "  --slab-mb N             memory per rank for one slab of generated rows (default 64)\n"
    "Mutations (optional):\n"
    "  --mutations PREFIX      also write PREFIX.maf.tsv (MesKit MAF), PREFIX.ccf.tsv (MesKit CCF),\n"
    "                          PREFIX.clin.tsv and the planted PREFIX.clones.tsv, readable by\n"
    "                          'strata ith --maf PREFIX.maf.tsv --clin PREFIX.clin.tsv --ccf\n"
    "                          PREFIX.ccf.tsv'.  Per patient: 2..--clusters clusters (cluster 0 =\n"
    "                          trunk, CCF 1), a random tree, subclone CCFs per region (absent\n"
    "                          with probability 0.3; children fit inside their parent);\n"
    "                          diploid, VAF = purity*CCF/2, depth ~ --depth*exp(0.3 N(0,1)),\n"
    "                          alt ~ Binomial(depth, VAF); every mutation has a row in every region\n"
    "                          of its patient (VAF 0 where no alt read, as MesKit tables do)\n"
    "  --mutations-per-patient N  mean mutations per patient, 40% truncal (default 100)\n"
    "  --depth N               mean read depth (default 100)\n"
    "  --clusters N            max clusters per patient (default 5)\n"
    "\n"
    "Output: obs has patient, region (1-based) and purity; mod/<view>/X; the truth under\n"
    "uns/strata_truth: Z (samples x K), r2_per_factor (views x K, fractions), r2_view_specific\n"
    "(views x Kv), r2_total (views), and per view W (features x K), V, Zv, active (K),\n"
    "noise_precision (Gaussian) or intercept (Bernoulli); with --mutations also clones/ccf\n"
    "(samples x clusters, NaN = no such cluster) and clones/parent (patients x clusters, -1).\n"
    "Planted R2 = expected MOFA R2 (1 - RSS/SS) over the present rows given the truth: per factor\n"
    "(2 sum s*f_k - sum f_k^2)/(sum s^2 + noise variance), s the signal, f_k = z_k w_k^T;\n"
    "Bernoulli views on the logit scale with noise variance pi^2/3 (McKelvey-Zavoina).\n"
    "\n"
    "Exit codes: 0 ok, 1 usage (bad option or value), 3 I/O error.\n",
    run};
