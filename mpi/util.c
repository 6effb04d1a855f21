/* Wall clock, memory high-water, rank-0 logging, stop signals and temporary names.
 * Not for error handling (mpi/error.c) or anything numeric. */
#include "strata/util.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int g_verbosity = 1;

double strata_wtime(void) { return MPI_Wtime(); }

static int64_t proc_status_kb(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  int64_t kb = 0;
  size_t klen = strlen(key);
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, key, klen) == 0) {
      kb = strtoll(line + klen, NULL, 10);
      break;
    }
  }
  fclose(f);
  return kb;
}

int64_t strata_mem_hwm(void) { return proc_status_kb("VmHWM:") * 1024; }
int64_t strata_mem_rss(void) { return proc_status_kb("VmRSS:") * 1024; }

void strata_set_verbosity(int v) { g_verbosity = v; }
int strata_verbosity(void) { return g_verbosity; }

void strata_log(MPI_Comm comm, int level, const char *fmt, ...) {
  int rank = 0;
  if (comm != MPI_COMM_NULL) MPI_Comm_rank(comm, &rank);
  if (rank != 0 || g_verbosity < level) return;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  size_t n = strlen(fmt);
  if (n == 0 || fmt[n - 1] != '\n') fputc('\n', stderr); /* one message, one line */
  fflush(stderr);
}

static volatile sig_atomic_t g_signal = 0;
static int64_t g_stop_after = 0, g_pending_calls = 0;

static void on_signal(int sig) { g_signal = sig; }

void strata_signal_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  const char *env = getenv("STRATA_STOP_AFTER");
  if (env && *env) g_stop_after = strtoll(env, NULL, 10);
}

void strata_signal_stop_after(int64_t iterations) {
  g_stop_after = iterations;
  g_pending_calls = 0;
  g_signal = 0;
}

int strata_signal_which(void) { return (int)g_signal; }

int strata_signal_pending(MPI_Comm comm) {
  g_pending_calls++;
  if (g_stop_after > 0 && g_pending_calls >= g_stop_after && !g_signal) g_signal = SIGUSR1;
  int mine = g_signal != 0, any = mine;
  if (comm != MPI_COMM_NULL) MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, comm);
  return any;
}

void strata_tmpname(const char *path, char *buf, size_t bufsize) {
  snprintf(buf, bufsize, "%s.tmp.%ld", path, (long)getpid());
}
