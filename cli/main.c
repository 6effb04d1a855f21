/* strata: MPI_Init, dispatch to a subcommand, one agreed status, one message, MPI_Finalize and
 * the exit code.  The only place that decides what the user sees when something fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>
#include <zmq.h>

#include "cli/cli.h"
#include "strata/util.h"
#include "strata_commands.h"
#include "strata/version.h"

extern void openblas_set_num_threads(int num_threads);

static const strata_cmd_t *find_cmd(const char *name) {
  for (int i = 0; strata_commands[i]; i++)
    if (strcmp(strata_commands[i]->name, name) == 0) return strata_commands[i];
  return NULL;
}

static void print_commands(FILE *f) {
  fprintf(f, "Usage: strata <command> [options]\n\nCommands:\n");
  for (int i = 0; strata_commands[i]; i++)
    fprintf(f, "  %-10s %s\n", strata_commands[i]->name, strata_commands[i]->summary);
  fprintf(f,
          "  %-10s %s\n\n"
          "Run under MPI: mpirun -np 4 strata <command> ...  (every rank gets the same argv)\n"
          "'strata help <command>' or 'strata <command> --help' for a command's options;\n"
          "'strata --version' for the versions of strata and its libraries.\n\n"
          "Exit codes: 0 ok, 1 usage, 2 bad input, 3 I/O or system error, 4 numerical failure,\n"
          "            5 internal error, 6 stopped by a signal after writing a checkpoint.\n",
          "help", "show a command's options");
}

static void print_version(void) {
  char mpi[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0, major, minor, patch;
  MPI_Get_library_version(mpi, &len);
  char *nl = strchr(mpi, '\n');
  if (nl) *nl = '\0';
  char *comma = strchr(mpi, ',');
  if (comma) *comma = '\0';
  unsigned hmaj, hmin, hrel;
  H5get_libversion(&hmaj, &hmin, &hrel);
  zmq_version(&major, &minor, &patch);
  printf("strata %s\n", STRATA_VERSION);
  printf("MPI: %s (MPI standard %d.%d)\n", mpi, MPI_VERSION, MPI_SUBVERSION);
  printf("HDF5: %u.%u.%u (parallel)\n", hmaj, hmin, hrel);
  printf("ScaLAPACK: %s\n", STRATA_SCALAPACK_VERSION);
  printf("ZeroMQ: %d.%d.%d\n", major, minor, patch);
}

/* Remove the options common to all commands from argv, filling cli.  Returns STRATA_OK or a
 * usage error. */
static int take_common(strata_cli_t *cli, int *argc, char **argv) {
  int st = STRATA_OK, out = 1;
  for (int i = 1; i < *argc; i++) {
    const char *a = argv[i];
    const char *val = NULL;
    const char *names[] = {"--verbosity", "--threads", "--grid", "--monitor", "--monitor-file",
                           "--monitor-curve", "--events-jsonl", NULL};
    int which = -1;
    for (int k = 0; names[k]; k++) {
      size_t n = strlen(names[k]);
      if (strncmp(a, names[k], n) == 0 && (a[n] == '\0' || a[n] == '=')) {
        which = k;
        if (a[n] == '=') {
          val = a + n + 1;
        } else if (i + 1 < *argc) {
          val = argv[++i];
        } else {
          return strata_cli_usage("option '%s' needs a value", names[k]);
        }
        break;
      }
    }
    if (which < 0) {
      if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
        cli->verbosity = 0;
      } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
        cli->verbosity = 2;
      } else if (strcmp(a, "--progress") == 0) {
        cli->evopts.progress = 1;
      } else {
        argv[out++] = argv[i];
      }
      continue;
    }
    int64_t v = 0;
    switch (which) {
    case 0: STRATA_CHECK(strata_cli_int("--verbosity", val, 0, 3, &v)); cli->verbosity = (int)v; break;
    case 1: STRATA_CHECK(strata_cli_int("--threads", val, 0, 4096, &v)); cli->threads = (int)v; break;
    case 2: {
      /* each side at most the number of ranks: a longer side can never match them */
      int64_t r = 0, c = 0;
      STRATA_CHECK(strata_cli_int_pair("--grid", val, 'x', 1, cli->size, 0, &r, &c));
      cli->nprow = (int)r;
      cli->npcol = (int)c;
      break;
    }
    case 3: cli->evopts.endpoint = val; break;
    case 4: cli->evopts.endpoint_file = val; break;
    case 5: cli->evopts.curve_dir = val; break;
    case 6: cli->evopts.jsonl = val; break;
    }
  }
  argv[out] = NULL;
  *argc = out;
  if (cli->evopts.endpoint && !cli->evopts.endpoint_file && strncmp(cli->evopts.endpoint, "connect:", 8) != 0) {
    static char default_file[256]; /* lives as long as cli */
    strata_cli_monitor_default_file(default_file, sizeof default_file);
    cli->evopts.endpoint_file = default_file;
  }
cleanup:
  return st;
}

/* One BLAS thread per core: cores on this node divided by the ranks on it, unless --threads or
 * OPENBLAS_NUM_THREADS says otherwise. */
static void set_blas_threads(strata_cli_t *cli) {
  int n = cli->threads;
  if (n <= 0) {
    if (getenv("OPENBLAS_NUM_THREADS")) return;
    MPI_Comm node;
    int local = 1;
    MPI_Comm_split_type(cli->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &local);
    MPI_Comm_free(&node);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    n = (int)(cores / local);
    if (n < 1) n = 1;
  }
  openblas_set_num_threads(n);
}

int main(int argc, char **argv) {
  int provided = 0, st = STRATA_OK, rank = 0, exit_code = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  strata_cli_t cli;
  memset(&cli, 0, sizeof cli);
  cli.verbosity = 1;
  MPI_Comm_dup(MPI_COMM_WORLD, &cli.comm);
  MPI_Comm_set_errhandler(cli.comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank(cli.comm, &cli.rank);
  MPI_Comm_size(cli.comm, &cli.size);
  rank = cli.rank;
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* HDF5 errors become strata messages */

  const char *name = argc > 1 ? argv[1] : NULL;
  if (!name) {
    if (rank == 0) print_commands(stderr);
    exit_code = STRATA_EXIT_USAGE;
    goto done;
  }
  if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
    if (rank == 0) print_version();
    goto done;
  }
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
      (strcmp(name, "help") == 0 && argc == 2)) {
    if (rank == 0) print_commands(stdout);
    goto done;
  }
  int help = 0;
  if (strcmp(name, "help") == 0) {
    name = argv[2];
    help = 1;
  }
  const strata_cmd_t *cmd = find_cmd(name);
  if (!cmd) {
    if (rank == 0) fprintf(stderr, "strata: unknown command '%s' (run 'strata' for the list)\n", name);
    exit_code = STRATA_EXIT_USAGE;
    goto done;
  }
  cli.cmd = cmd->name;
  int cargc = argc - 1 - help;
  char **cargv = argv + 1 + help;
  for (int i = 1; i < cargc; i++)
    if (strcmp(cargv[i], "--help") == 0 || strcmp(cargv[i], "-h") == 0) help = 1;
  if (help || cargc == 1) {
    if (rank == 0) {
      FILE *f = help ? stdout : stderr;
      fputs(cmd->usage, f);
      fputs(strata_cli_common_help, f);
    }
    exit_code = help ? STRATA_EXIT_OK : STRATA_EXIT_USAGE;
    goto done;
  }
  st = take_common(&cli, &cargc, cargv);
  if (st == STRATA_OK) {
    strata_set_verbosity(cli.verbosity);
    strata_signal_install();
    set_blas_threads(&cli);
  }
  if (st == STRATA_OK) {
    /* the command declares its files and starts the progress channel (strata_cli_start)
     * before any work, so that no file is written before its paths are checked */
    optind = 1; /* commands use getopt_long on their own argv */
    st = cmd->run(&cli, cargc, cargv);
  }
  st = strata_agree(cli.comm, st);
  strata_cli_paths_free(&cli);
  if (!cli.ev && !cli.refused) {
    /* a run that failed before strata_cli_start (a bad option) still reports its end */
    strata_events_t *ev = NULL;
    if (strata_agree(cli.comm, strata_events_create(cli.comm, &cli.evopts, &ev)) == STRATA_OK) cli.ev = ev;
    else strata_events_destroy(&ev);
  }
  exit_code = strata_exit_code(st);
  if (st != STRATA_OK && rank == 0) {
    int who = strata_err_rank();
    if (st == STRATA_INTERRUPTED) {
      fprintf(stderr, "strata %s: %s\n", cmd->name, strata_err_msg()[0] ? strata_err_msg() : "stopped by a signal");
    } else if (who > 0) {
      fprintf(stderr, "strata %s: [rank %d] %s\n", cmd->name, who, strata_err_msg());
    } else {
      fprintf(stderr, "strata %s: %s\n", cmd->name, strata_err_msg());
    }
    if (st == STRATA_ERR_USAGE) fprintf(stderr, "Try 'strata %s --help'.\n", cmd->name);
    if (cli.verbosity >= 2) fprintf(stderr, "strata %s: (recorded at %s)\n", cmd->name, strata_err_where());
  }
  strata_ev_run_end(cli.ev, st, exit_code);
  strata_events_destroy(&cli.ev);

done:
  if (rank == 0 && fclose(stdout) != 0 && exit_code == 0) {
    fprintf(stderr, "strata: error writing to standard output\n");
    exit_code = STRATA_EXIT_SYSTEM;
  }
  MPI_Comm_free(&cli.comm);
  MPI_Finalize();
  return exit_code;
}
