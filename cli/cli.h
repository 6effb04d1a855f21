/* The command-line layer shared by cli/main.c and every cli/cmd_<name>.c.
 * Only cli/ prints usage, calls exit or MPI_Abort. */
#ifndef STRATA_CLI_H
#define STRATA_CLI_H
#include <mpi.h>
#include <stdint.h>
#include "strata/error.h"
#include "strata/events.h"
#include "strata/monitor.h"

typedef struct strata_cli {
  const char *cmd;               /* the subcommand's name */
  MPI_Comm comm;                 /* duplicate of MPI_COMM_WORLD, MPI_ERRORS_RETURN */
  int rank, size;
  int verbosity;                 /* --verbosity N, -q (0), -v (2) */
  int threads;                   /* --threads N: BLAS threads per rank (0 = auto) */
  int nprow, npcol;              /* --grid RxC (0 = choose from the shape) */
  strata_events_opts_t evopts;   /* --monitor, --monitor-file, --monitor-curve, --events-jsonl */
  strata_events_t *ev;           /* created by strata_cli_start (or by main after a run that
                                    failed before it), destroyed by main */
  struct strata_cli_paths *paths; /* the files declared for strata_cli_start (cli/cli_paths.c) */
  int started, refused;          /* strata_cli_start ran; it refused the files */
} strata_cli_t;

/* One subcommand.  run() gets argv[0] = command name and the command's own options (the
 * common ones are already removed); it returns a strata status (main agrees it over ranks,
 * prints the message once and maps it to the exit code).  A usage problem returns
 * strata_cli_usage(...).  usage is the full help text, starting with "Usage: strata <name>". */
typedef struct strata_cmd {
  const char *name;
  const char *summary;
  const char *usage;
  int (*run)(strata_cli_t *cli, int argc, char **argv);
} strata_cmd_t;

/* Record a usage error (exit 1) with a message; returns STRATA_ERR_USAGE. */
int strata_cli_usage(const char *fmt, ...) STRATA_PRINTF(1, 2);
/* Parse numbers from option values; on failure record a usage error naming the option. */
int strata_cli_int(const char *opt, const char *val, int64_t min, int64_t max, int64_t *out);
int strata_cli_double(const char *opt, const char *val, double min, double max, double *out);
/* Two integers "A<sep>B" (e.g. --grid 2x2, --k-range 2:8), each in [min, max]; with single = 1
 * a lone "N" also means A = B = N.  Every part is read by strata_cli_int (no overflow, sign,
 * blank or trailing garbage), and the message names the option and the part. */
int strata_cli_int_pair(const char *opt, const char *val, char sep, int64_t min, int64_t max, int single,
                        int64_t *a, int64_t *b);
/* The default --monitor-file name in the working directory: "strata-monitor.<SLURM_JOB_ID>.endpoint"
 * when SLURM_JOB_ID is set, else "strata-monitor.endpoint".  The environment is read here, in the
 * command line layer; monitor/ is only given the name. */
void strata_cli_monitor_default_file(char *buf, size_t bufsize);
/* Collective.  Parse "[--patient-column NAME] [--no-patient] COHORT" (the arguments of check and
 * info), open the cohort (strata_cohort_open) and create a grid for reading any of its views
 * (shape from --grid or chosen for the widest view).  The caller destroys both. */
struct strata_cohort;
struct strata_grid;
int strata_cli_open_cohort(strata_cli_t *cli, int argc, char **argv, struct strata_cohort **out,
                           struct strata_grid **grid);
/* ---- the files a command reads and writes (cli/cli_paths.c) ---------------------------------
 * After parsing its options and before any work, a command declares every file it reads
 * (strata_cli_input), every file it creates or replaces (strata_cli_output; PREFIX outputs as
 * prefix + suffix), and a checkpoint it continues (strata_cli_resume: an input that the output
 * declared under ckpt_opt may name, because a checkpoint is read completely before it is
 * replaced), then calls strata_cli_start.  Not collective; opt names the option in messages
 * ("-o", "--tsv", "COHORT"); a NULL or empty path is ignored. */
void strata_cli_input(strata_cli_t *cli, const char *opt, const char *path);
void strata_cli_output(strata_cli_t *cli, const char *opt, const char *path);
void strata_cli_output_suffix(strata_cli_t *cli, const char *opt, const char *prefix, const char *suffix);
void strata_cli_resume(strata_cli_t *cli, const char *opt, const char *path, const char *ckpt_opt);
/* Collective.  Check the declared files on every rank and agree: an output that is an input or
 * another output (the same file by device and inode, so symlinks and hard links are caught, or
 * the same name in the same directory) is a usage error (exit 1) naming both; an output whose
 * directory is missing, is not a directory or refuses a new file (a probe file is created and
 * removed) is an I/O error (exit 3) naming it.  --events-jsonl and --monitor-file are outputs
 * too.  Then rank 0 removes temporaries of killed earlier runs on the same outputs
 * ("<output>.tmp.<pid>" whose pid is not running on this host) and the progress channel
 * starts (cli->ev).  Nothing has been written when it fails. */
STRATA_NODISCARD int strata_cli_start(strata_cli_t *cli);
/* Forget declared files (main, after a command that never called strata_cli_start). */
void strata_cli_paths_free(strata_cli_t *cli);

/* The text of the options every command takes (printed under each command's usage). */
extern const char strata_cli_common_help[];

#endif
