/* Helpers shared by the subcommands: usage errors and option-value parsing. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <getopt.h>

#include "cli/cli.h"
#include "strata/cohort.h"

const char strata_cli_common_help[] =
    "\nCommon options (every command):\n"
    "  -q, --quiet            only errors\n"
    "  -v, --verbose          more detail (--verbosity 0..3)\n"
    "  --threads N            BLAS threads per rank (default: cores per node / ranks per node)\n"
    "  --grid RxC             process grid shape (default: chosen from the data shape)\n"
    "  --progress             print a progress line per iteration on stderr\n"
    "  --monitor EP           publish progress on ZeroMQ: tcp://127.0.0.1:0 binds (0 = any port),\n"
    "                         connect:tcp://HOST:PORT connects to a binding 'strata monitor';\n"
    "                         a bind beyond loopback (0.0.0.0, a network address) needs\n"
    "                         --monitor-curve, else exit 1\n"
    "  --monitor-file F       write the actual endpoint to F (for 'strata monitor --file F';\n"
    "                         default strata-monitor[.SLURM_JOB_ID].endpoint)\n"
    "  --monitor-curve DIR    encrypt progress with CURVE keys from DIR\n"
    "  --events-jsonl F       also append every progress event to F as JSON lines\n"
    "\nFiles: before any work every output (results, checkpoint, TSV prefixes, --events-jsonl,\n"
    "--monitor-file) is compared with every input and every other output by file identity\n"
    "(symlinks and hard links count): a match is exit 1 naming both, nothing written (--resume F\n"
    "--checkpoint F is allowed).  A missing or unwritable output directory is exit 3 at start-up.\n"
    "Outputs are written as <output>.tmp.<pid> and renamed at the end; temporaries of killed runs\n"
    "on the same outputs (pid not running on this host) are removed.  A full disk is exit 3 with\n"
    "no file left.\n";

int strata_cli_usage(const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return strata_err_set(STRATA_ERR_USAGE, __FILE__, __LINE__, __func__, "%s", msg);
}

int strata_cli_int(const char *opt, const char *val, int64_t min, int64_t max, int64_t *out) {
  char *end = NULL;
  if (!val || !*val) return strata_cli_usage("%s wants an integer, got an empty value", opt);
  /* strtoll would skip leading blanks and take '+': accept digits with an optional '-' only */
  if (!(isdigit((unsigned char)val[0]) || (val[0] == '-' && isdigit((unsigned char)val[1]))))
    return strata_cli_usage("%s wants an integer, got '%s'", opt, val);
  errno = 0;
  long long v = strtoll(val, &end, 10);
  if (*end) return strata_cli_usage("%s wants an integer, got '%s'", opt, val);
  if (errno == ERANGE || v < min || v > max)
    return strata_cli_usage("%s must be between %lld and %lld, got '%s'", opt, (long long)min, (long long)max, val);
  *out = v;
  return STRATA_OK;
}

int strata_cli_int_pair(const char *opt, const char *val, char sep, int64_t min, int64_t max, int single,
                        int64_t *a, int64_t *b) {
  char first[64], name[96];
  const char *s = val ? strchr(val, sep) : NULL;
  if (val && !s && single) {
    snprintf(name, sizeof name, "%s", opt);
    int st = strata_cli_int(name, val, min, max, a);
    if (st == STRATA_OK) *b = *a;
    return st;
  }
  if (!val || !s || (size_t)(s - val) >= sizeof first)
    return strata_cli_usage("%s wants A%cB%s, got '%s'", opt, sep, single ? " or N" : "", val ? val : "");
  memcpy(first, val, (size_t)(s - val));
  first[s - val] = '\0';
  int64_t x = 0, y = 0;
  snprintf(name, sizeof name, "%s (before '%c')", opt, sep);
  int st = strata_cli_int(name, first, min, max, &x);
  if (st) return st;
  snprintf(name, sizeof name, "%s (after '%c')", opt, sep);
  st = strata_cli_int(name, s + 1, min, max, &y);
  if (st) return st;
  *a = x;
  *b = y;
  return STRATA_OK;
}

void strata_cli_monitor_default_file(char *buf, size_t bufsize) {
  const char *job = getenv("SLURM_JOB_ID");
  if (job && *job && strlen(job) < 64 && !strchr(job, '/'))
    snprintf(buf, bufsize, "strata-monitor.%s.endpoint", job);
  else
    snprintf(buf, bufsize, "strata-monitor.endpoint");
}

int strata_cli_double(const char *opt, const char *val, double min, double max, double *out) {
  char *end = NULL;
  errno = 0;
  double v = val ? strtod(val, &end) : 0;
  if (!val || !*val || *end || errno || v != v)
    return strata_cli_usage("%s wants a number, got '%s'", opt, val ? val : "");
  if (v < min || v > max)
    return strata_cli_usage("%s must be between %g and %g, got %g", opt, min, max, v);
  *out = v;
  return STRATA_OK;
}

int strata_cli_open_cohort(strata_cli_t *cli, int argc, char **argv, strata_cohort_t **out,
                           strata_grid_t **grid) {
  int st = STRATA_OK, no_patient = 0, ch;
  const char *patient_column = NULL;
  static const struct option longopts[] = {{"patient-column", required_argument, NULL, 'p'},
                                           {"no-patient", no_argument, NULL, 'n'},
                                           {NULL, 0, NULL, 0}};
  *out = NULL;
  *grid = NULL;
  opterr = 0;
  while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    if (ch == 'p') patient_column = optarg;
    else if (ch == 'n') no_patient = 1;
    else STRATA_CHECK(strata_cli_usage("unknown option or missing value: '%s'", argv[optind - 1]));
  }
  if (optind != argc - 1) STRATA_CHECK(strata_cli_usage("expected one cohort file"));
  strata_cli_input(cli, "COHORT", argv[optind]);
  STRATA_CHECK(strata_cli_start(cli));
  STRATA_CHECK(strata_cohort_open(cli->comm, argv[optind], patient_column, no_patient, out));
  const strata_cohort_t *c = *out;
  int64_t maxcols = 1;
  for (int k = 0; k < c->nviews; k++)
    if (c->views[k].nvar > maxcols) maxcols = c->views[k].nvar;
  STRATA_CHECK(strata_grid_create(cli->comm, cli->nprow, cli->npcol, c->nobs, maxcols, c->npatients, grid));
cleanup:
  return st;
}
