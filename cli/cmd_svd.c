/* `strata svd`: the uncentred truncated SVD of one view or of several views jointly; the same
 * pipeline as `strata pca` (cli/cmd_pca.c) without centring, with keys X_svd, SVs and uns/svd. */
#include "cli/cli.h"

int strata_pca_cli_run(strata_cli_t *cli, int argc, char **argv, int centered);

static int run(strata_cli_t *cli, int argc, char **argv) {
  return strata_pca_cli_run(cli, argc, argv, 0);
}

const strata_cmd_t strata_cmd_svd = {
    "svd", "truncated SVD (uncentred) of one view or of several views jointly",
    "Usage: strata svd [options] COHORT.h5mu -o RESULTS.h5mu\n"
    "\n"
    "Top-k singular triplets of the uncentred (optionally scaled) views of a cohort, on a process\n"
    "grid.  Same options and methods as 'strata pca' except that features are not centred;\n"
    "missing entries are still mean-imputed (or soft-imputed) and a sample lacking a view has a\n"
    "zero row in that view's block.  Results: obsm/X_svd (U diag(s), N x k),\n"
    "mod/<view>/varm/SVs (V, D_m x k), uns/svd/singular_values, variance (s^2/(N-1)),\n"
    "variance_ratio (s^2 / squared Frobenius norm), view_weights, params.\n"
    "\n"
    "Options: see 'strata pca --help' (-o, -k, --views, --method, --oversample, --power-iters,\n"
    "--seed, --block-size, --scale, --no-mfa, --weights, --impute, --impute-tol,\n"
    "--impute-maxiter, --soft-lambda, --tsv, --patient-column).\n"
    "\n"
    "Exit codes: 0 ok, 1 usage, 2 bad input (file, view, option value), 3 I/O or system,\n"
    "4 numerical failure (LAPACK/ScaLAPACK), 5 internal error.\n",
    run};
