/* A stand-in for a long strata run, for the monitor tests: a deterministic distributed power
 * iteration (rows of a fixed symmetric matrix spread over the ranks) that publishes every event
 * type through strata/events.h exactly as a command does, prints its result bit-exactly (%a) on
 * rank 0 and exits with the code given by --exit.  Used to show that an absent, stalled or killed
 * subscriber changes neither the result nor the exit code. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strata/events.h"
#include "strata/monitor.h"
#include "strata/util.h"

static const int status_of_exit[] = {STRATA_OK, STRATA_ERR_USAGE, STRATA_ERR_INPUT, STRATA_ERR_IO,
                                     STRATA_ERR_NUMERIC, STRATA_ERR_INTERNAL, STRATA_INTERRUPTED};

/* A(i,j): symmetric, diagonally dominant, with a clear top eigenvalue */
static double entry(int i, int j) { return i == j ? 2.0 + 0.01 * i : 1.0 / (1.0 + fabs((double)(i - j))); }

int main(int argc, char **argv) {
  int provided, rank, size, exit_code = 0, iters = 200, n = 300, sleep_us = 0;
  double wait_sub = 0;
  const char *pid_file = NULL; /* rank 0 writes its pid here (tests stop it to silence the run) */
  strata_events_opts_t opts = {0};
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm comm;
  MPI_Comm_dup(MPI_COMM_WORLD, &comm);
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  static const struct option longopts[] = {
      {"monitor", required_argument, 0, 'm'},  {"monitor-file", required_argument, 0, 'f'},
      {"monitor-curve", required_argument, 0, 'c'}, {"events-jsonl", required_argument, 0, 'j'},
      {"progress", no_argument, 0, 'p'},       {"iters", required_argument, 0, 'i'},
      {"n", required_argument, 0, 'n'},        {"sleep-us", required_argument, 0, 's'},
      {"exit", required_argument, 0, 'e'},     {"wait-subscriber", required_argument, 0, 'w'},
      {"pid-file", required_argument, 0, 'P'}, {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
    case 'm': opts.endpoint = optarg; break;
    case 'f': opts.endpoint_file = optarg; break;
    case 'c': opts.curve_dir = optarg; break;
    case 'j': opts.jsonl = optarg; break;
    case 'p': opts.progress = 1; break;
    case 'i': iters = atoi(optarg); break;
    case 'n': n = atoi(optarg); break;
    case 's': sleep_us = atoi(optarg); break;
    case 'e': exit_code = atoi(optarg); break;
    case 'w': wait_sub = atof(optarg); break;
    case 'P': pid_file = optarg; break;
    default:
      if (rank == 0) fprintf(stderr, "emitter: bad option\n");
      MPI_Finalize();
      return 1;
    }
  }
  if (exit_code < 0 || exit_code > 6) exit_code = 5;
  if (pid_file && rank == 0) {
    FILE *f = fopen(pid_file, "w");
    if (f) {
      fprintf(f, "%ld\n", (long)getpid());
      fclose(f);
    }
  }
  strata_events_t *ev = NULL;
  int st = strata_events_create(comm, &opts, &ev);
  st = strata_agree(comm, st);
  if (st != STRATA_OK) {
    if (rank == 0) fprintf(stderr, "emitter: %s\n", strata_err_msg());
    strata_events_destroy(&ev);
    MPI_Comm_free(&comm);
    MPI_Finalize();
    return strata_exit_code(st);
  }
  if (wait_sub > 0) {
    /* tests that check "every event arrives" start publishing once the subscriber is there */
    if (rank == 0) {
      double t0 = strata_wtime();
      while (strata_ev_subscribers(ev) < 1 && strata_wtime() - t0 < wait_sub) usleep(10000);
    }
    MPI_Barrier(comm);
  }
  strata_ev_run_start(ev, "emitter", n, n, 1, size, 1);
  strata_ev_phase_begin(ev, "setup", 0);
  int lo = (int)((int64_t)n * rank / size), hi = (int)((int64_t)n * (rank + 1) / size), m = hi - lo;
  double *a = malloc(sizeof(double) * (size_t)(m > 0 ? m : 1) * (size_t)n);
  double *x = malloc(sizeof(double) * (size_t)n), *y = calloc((size_t)n, sizeof(double));
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) a[(size_t)i * n + j] = entry(lo + i, j);
  for (int j = 0; j < n; j++) x[j] = 1.0 / sqrt((double)n);
  strata_ev_phase_end(ev, "setup");

  strata_ev_phase_begin(ev, "solve", iters);
  double lambda = 0, prev = 0;
  for (int it = 1; it <= iters; it++) {
    double t0 = strata_wtime();
    memset(y, 0, sizeof(double) * (size_t)n);
    for (int i = 0; i < m; i++) {
      double s = 0;
      for (int j = 0; j < n; j++) s += a[(size_t)i * n + j] * x[j];
      y[lo + i] = s;
    }
    double t1 = strata_wtime();
    MPI_Allreduce(MPI_IN_PLACE, y, n, MPI_DOUBLE, MPI_SUM, comm);
    double t2 = strata_wtime();
    double xy = 0, yy = 0;
    for (int j = 0; j < n; j++) {
      xy += x[j] * y[j];
      yy += y[j] * y[j];
    }
    lambda = xy;
    for (int j = 0; j < n; j++) x[j] = y[j] / sqrt(yy);
    double change = it > 1 ? fabs(lambda - prev) / fabs(lambda) : NAN;
    prev = lambda;
    strata_ev_iteration(ev, "solve", it, iters, lambda, change, t1 - t0, t2 - t1);
    if (it == iters / 2) {
      strata_ev_warning(ev, "halfway at iteration %d", it);
      strata_ev_checkpoint(ev, "emitter.ckpt", it);
    }
    if (sleep_us > 0) usleep((useconds_t)sleep_us);
  }
  strata_ev_phase_end(ev, "solve");
  if (rank == 0) printf("lambda %a\n", lambda);
  fflush(stdout);
  strata_ev_run_end(ev, status_of_exit[exit_code], exit_code);
  strata_events_destroy(&ev);
  free(a);
  free(x);
  free(y);
  MPI_Comm_free(&comm);
  MPI_Finalize();
  return exit_code;
}
