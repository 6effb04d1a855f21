/* What publishing progress costs a solver: a factor-like loop (per iteration two local GEMMs on
 * this rank's block of a samples x features matrix and one Allreduce, as in a MOFA update of W
 * and Z) timed in one run under four conditions, interleaved over several rounds so drift on a
 * shared machine hits all alike (the order rotates from round to round):
 *   off      no events object at all (the floor)
 *   none     publisher running, nobody subscribed
 *   live     a `strata monitor` process subscribed and reading
 *   stalled  a `strata monitor` subscribed, then SIGSTOPped after its queues were filled past the
 *            high-water mark (so the publisher is dropping)
 * Rank 0 prints a table of per-iteration times.  Not a test: run by bench/monitor/run.sh. */
#include <cblas.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strata/events.h"
#include "strata/monitor.h"
#include "strata/util.h"

extern char **environ;

enum { OFF, NONE, LIVE, STALLED, NMODES };
static const char *mode_name[NMODES] = {"off", "none", "live", "stalled"};

typedef struct bench {
  int n, d, k, iters, rounds, fill;
  const char *strata, *dir;
  char ep_file[1024];
  pid_t mon;
  int nmon, stalled;
} bench_t;

/* The monitor is a separate program: give it an environment without this job's MPI/PMIx
 * variables, or its own MPI_Init would try to join our job. */
static char **clean_env(void) {
  int n = 0;
  while (environ[n]) n++;
  char **env = calloc((size_t)n + 1, sizeof *env);
  int m = 0;
  for (int i = 0; i < n; i++) {
    const char *e = environ[i];
    int mpi = strncmp(e, "OMPI_", 5) == 0 || strncmp(e, "PMIX_", 5) == 0 || strncmp(e, "PRTE_", 5) == 0 ||
              strncmp(e, "OPAL_", 5) == 0;
    if (!mpi || strncmp(e, "OMPI_ALLOW_RUN_AS_ROOT", 22) == 0) env[m++] = environ[i];
  }
  return env;
}

static void wait_subscribers(strata_events_t *ev, int want, int atleast) {
  double t0 = strata_wtime();
  while (strata_wtime() - t0 < 20) {
    int s = strata_ev_subscribers(ev);
    if (atleast ? s >= want : s <= want) return;
    usleep(10000);
  }
  fprintf(stderr, "bench_monitor: subscribers %d, wanted %s%d\n", strata_ev_subscribers(ev), atleast ? ">=" : "<=", want);
}

static void stop_monitor(bench_t *b, strata_events_t *ev) {
  if (b->mon <= 0) return;
  kill(b->mon, SIGCONT);
  /* a resumed monitor reads what was queued, then a heartbeat whose last_seq shows what the
   * publisher dropped at the high-water mark (bench/monitor/run.sh counts it) */
  usleep(b->stalled ? 2500000 : 100000);
  b->stalled = 0;
  kill(b->mon, SIGKILL);
  waitpid(b->mon, NULL, 0);
  b->mon = 0;
  wait_subscribers(ev, 0, 0);
}

static void start_monitor(bench_t *b, strata_events_t *ev, const char *tag) {
  char jsonl[1100];
  snprintf(jsonl, sizeof jsonl, "%s/monitor-%s-%d.jsonl", b->dir, tag, b->nmon++);
  char *argv[] = {(char *)b->strata, "monitor", "--file", b->ep_file, "--plain", "--timeout", "600",
                  "--jsonl", jsonl, NULL};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  char **env = clean_env();
  if (posix_spawn(&b->mon, b->strata, &fa, NULL, argv, env) != 0) {
    perror("bench_monitor: posix_spawn");
    b->mon = 0;
  }
  free(env);
  posix_spawn_file_actions_destroy(&fa);
  wait_subscribers(ev, 1, 1);
}

/* rank 0 sets the condition; the others wait at the barrier */
static void set_mode(bench_t *b, strata_events_t *ev, int mode, int rank, MPI_Comm comm) {
  if (rank == 0) {
    stop_monitor(b, ev);
    if (mode == LIVE) start_monitor(b, ev, "live");
    if (mode == STALLED) {
      start_monitor(b, ev, "stalled");
      kill(b->mon, SIGSTOP);
      b->stalled = 1;
      /* fill its ZeroMQ queue (high-water mark 1000) and the TCP buffers: 4 KiB events */
      static char path[4096];
      memset(path, 'x', sizeof path - 1);
      for (int i = 0; i < b->fill; i++) strata_ev_checkpoint(ev, path, i);
      usleep(1000000);
    }
  }
  MPI_Barrier(comm);
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, c = *(const double *)y;
  return (a > c) - (a < c);
}

int main(int argc, char **argv) {
  int provided, rank, size;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm comm;
  MPI_Comm_dup(MPI_COMM_WORLD, &comm);
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  bench_t b = {.n = 2000, .d = 5000, .k = 10, .iters = 100, .rounds = 3, .fill = 5000, .strata = NULL, .dir = "."};
  static const struct option longopts[] = {
      {"n", required_argument, 0, 'n'},      {"d", required_argument, 0, 'd'},
      {"k", required_argument, 0, 'k'},      {"iters", required_argument, 0, 'i'},
      {"rounds", required_argument, 0, 'r'}, {"strata", required_argument, 0, 's'},
      {"dir", required_argument, 0, 'o'},    {"fill", required_argument, 0, 'f'},
      {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
    case 'n': b.n = atoi(optarg); break;
    case 'd': b.d = atoi(optarg); break;
    case 'k': b.k = atoi(optarg); break;
    case 'i': b.iters = atoi(optarg); break;
    case 'r': b.rounds = atoi(optarg); break;
    case 's': b.strata = optarg; break;
    case 'o': b.dir = optarg; break;
    case 'f': b.fill = atoi(optarg); break;
    default: MPI_Abort(MPI_COMM_WORLD, 1);
    }
  }
  if (!b.strata) {
    if (rank == 0) fprintf(stderr, "usage: bench_monitor --strata PATH [--n N --d D --k K --iters I --rounds R --dir DIR]\n");
    MPI_Finalize();
    return 1;
  }
  snprintf(b.ep_file, sizeof b.ep_file, "%s/bench.endpoint", b.dir);
  strata_events_opts_t opts = {.endpoint = "tcp://127.0.0.1:0", .endpoint_file = b.ep_file};
  strata_events_t *ev = NULL;
  if (strata_agree(comm, strata_events_create(comm, &opts, &ev)) != STRATA_OK) {
    if (rank == 0) fprintf(stderr, "bench_monitor: %s\n", strata_err_msg());
    MPI_Abort(MPI_COMM_WORLD, 3);
  }
  /* this rank's rows of Y (samples x features), Z (samples x K), W (features x K) */
  int lo = (int)((int64_t)b.n * rank / size), nl = (int)((int64_t)b.n * (rank + 1) / size) - lo;
  double *Y = malloc(sizeof(double) * (size_t)nl * b.d), *Z = malloc(sizeof(double) * (size_t)nl * b.k);
  double *W = malloc(sizeof(double) * (size_t)b.d * b.k);
  for (int i = 0; i < nl; i++)
    for (int j = 0; j < b.d; j++) Y[(size_t)i * b.d + j] = sin(0.001 * (lo + i + 1) * (j + 1));
  for (int i = 0; i < nl; i++)
    for (int k = 0; k < b.k; k++) Z[(size_t)i * b.k + k] = cos(0.01 * (lo + i + 1) * (k + 1));
  int total = b.rounds * NMODES * b.iters;
  double *t_iter = calloc((size_t)total, sizeof(double)), *t_call = calloc((size_t)total, sizeof(double));
  int *mode_of = calloc((size_t)total, sizeof(int));
  int pos = 0;
  double obj = 0;
  strata_ev_run_start(ev, "bench-monitor", b.n, b.d, 1, size, 1);
  strata_ev_phase_begin(ev, "bench", total);
  for (int r = 0; r < b.rounds; r++) {
    for (int q = 0; q < NMODES; q++) {
      int mode = (q + r) % NMODES; /* rotate the order each round: no condition always goes first */
      set_mode(&b, ev, mode, rank, comm);
      strata_events_t *e = mode == OFF ? NULL : ev;
      double prev = strata_wtime();
      for (int it = 0; it < b.iters; it++) {
        double t0 = strata_wtime();
        /* W = Y^T Z (reduced over ranks), then Z = Y W / ||W||^2: a MOFA-like pair of updates */
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, b.d, b.k, nl, 1.0, Y, b.d, Z, b.k, 0.0, W, b.k);
        double t1 = strata_wtime();
        MPI_Allreduce(MPI_IN_PLACE, W, b.d * b.k, MPI_DOUBLE, MPI_SUM, comm);
        double t2 = strata_wtime();
        double ww = cblas_ddot(b.d * b.k, W, 1, W, 1);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nl, b.k, b.d, 1.0 / ww, Y, b.d, W, b.k, 0.0, Z, b.k);
        double t3 = strata_wtime();
        double prev_obj = obj;
        obj = ww;
        strata_ev_iteration(e, "bench", pos + 1, total, obj, fabs(obj - prev_obj) / fmax(obj, 1e-300),
                            (t1 - t0) + (t3 - t2), t2 - t1);
        double now = strata_wtime();
        t_call[pos] = now - t3; /* what the solver thread pays inside the (collective) call */
        t_iter[pos] = now - prev; /* end to end, the event included */
        mode_of[pos++] = mode;
        prev = now;
      }
    }
  }
  strata_ev_phase_end(ev, "bench");
  if (rank == 0) stop_monitor(&b, ev);
  /* the rank that reaches the gather last waits least: its time in the call is the cost on the
   * critical path (the others' time there is load imbalance they would wait out anyway) */
  MPI_Allreduce(MPI_IN_PLACE, t_call, total, MPI_DOUBLE, MPI_MIN, comm);
  if (rank == 0) {
    double med[NMODES], mean[NMODES], call[NMODES];
    double *buf = malloc(sizeof(double) * (size_t)total);
    for (int m = 0; m < NMODES; m++) {
      int cnt = 0;
      double sum = 0;
      for (int i = 0; i < total; i++)
        if (mode_of[i] == m && i % b.iters != 0) /* the first iteration after a switch holds the switch */
          buf[cnt++] = t_call[i];
      qsort(buf, (size_t)cnt, sizeof(double), cmp_double);
      call[m] = cnt % 2 ? buf[cnt / 2] : 0.5 * (buf[cnt / 2 - 1] + buf[cnt / 2]);
      cnt = 0;
      for (int i = 0; i < total; i++)
        if (mode_of[i] == m && i % b.iters != 0) {
          buf[cnt++] = t_iter[i];
          sum += t_iter[i];
        }
      qsort(buf, (size_t)cnt, sizeof(double), cmp_double);
      med[m] = cnt % 2 ? buf[cnt / 2] : 0.5 * (buf[cnt / 2 - 1] + buf[cnt / 2]);
      mean[m] = sum / cnt;
    }
    printf("factor-like loop: %d samples x %d features, K=%d, %d ranks, %d rounds x %d iterations per condition\n",
           b.n, b.d, b.k, size, b.rounds, b.iters);
    printf("| condition | median ms/iter | mean ms/iter | median vs off | median vs none | mean vs none "
           "| median us in strata_ev_iteration (min over ranks) | that / median iter |\n");
    printf("|---|---|---|---|---|---|---|---|\n");
    for (int m = 0; m < NMODES; m++)
      printf("| %s | %.3f | %.3f | %.4f | %.4f | %.4f | %.1f | %.5f |\n", mode_name[m], 1e3 * med[m], 1e3 * mean[m],
             med[m] / med[OFF], med[m] / med[NONE], mean[m] / mean[NONE], 1e6 * call[m], call[m] / med[m]);
    printf("events dropped before the publisher thread (pipe full): %lld\n", strata_ev_dropped(ev));
    free(buf);
  }
  strata_ev_run_end(ev, STRATA_OK, 0);
  strata_events_destroy(&ev);
  free(Y);
  free(Z);
  free(W);
  free(t_iter);
  free(t_call);
  free(mode_of);
  MPI_Comm_free(&comm);
  MPI_Finalize();
  return 0;
}
