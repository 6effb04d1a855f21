/* Progress events, solver side: builds each event (jansson) on rank 0 and hands it to the
 * publishing actor (monitor/actor.c), does the one small per-iteration gather of per-rank times
 * and memory, writes the endpoint file and prints the --progress line.  It never waits on a
 * subscriber.  Transport details live in actor.c; the subscriber side in channel.c. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "monitor/actor.h"
#include "strata/events.h"
#include "strata/monitor.h"
#include "strata/util.h"
#include "strata_version.h"

enum { MAX_OPEN_PHASES = 8 };

typedef struct open_phase {
  char name[64];
  double t_begin;
  int64_t iter_base; /* iteration count before the first iteration event of this phase (-1: none yet) */
} open_phase_t;

struct strata_events {
  MPI_Comm comm;
  int rank, size;
  int progress;
  int gather;          /* 1 on every rank: strata_ev_iteration gathers per-rank figures */
  strata_actor_t *actor;
  double t0;           /* strata_monitor_clock() at creation */
  json_int_t seq;
  char run_id[160];
  char endpoint_file[4096];
  char endpoint[512];
  int wrote_file, ended;
  open_phase_t phases[MAX_OPEN_PHASES];
  int nphases;
  double hwm, hwm_time; /* cached VmHWM and when it was read */
  double *all;          /* rank 0: 3 doubles per rank */
  double *scratch;      /* rank 0: one double per rank, for the medians */
};

/* ------------------------------------------------------------------------------------------ */

static json_t *number_or_null(double x) { return isfinite(x) ? json_real(x) : json_null(); }

static json_t *new_event(strata_events_t *ev, const char *type) {
  double now = strata_monitor_clock();
  return json_pack("{s:s, s:s, s:I, s:f, s:f}", "schema", STRATA_EVENTS_SCHEMA, "type", type, "seq",
                   (json_int_t)++ev->seq, "t", strata_monitor_walltime(), "elapsed", now - ev->t0);
}

static void post(strata_events_t *ev, json_t *o) {
  if (o && ev->actor)
    strata_actor_post(ev->actor, o);
  else
    json_decref(o);
}

static open_phase_t *find_phase(strata_events_t *ev, const char *name) {
  for (int i = ev->nphases; i-- > 0;)
    if (strcmp(ev->phases[i].name, name) == 0) return &ev->phases[i];
  return NULL;
}

/* rank 0: everything that can fail before the actor runs */
static int start_rank0(strata_events_t *ev, const strata_events_opts_t *opts) {
  int st = STRATA_OK, connect = 0;
  char ep[512];
  FILE *jsonl = NULL;
  const char *endpoint = opts->endpoint;
  /* --monitor-file alone asks for a loopback publisher on any free port */
  if (!endpoint && opts->endpoint_file) endpoint = "tcp://127.0.0.1:0";
  if (!endpoint && opts->curve_dir)
    STRATA_FAIL(STRATA_ERR_USAGE, "--monitor-curve needs --monitor (or --monitor-file)");
  if (endpoint) STRATA_CHECK(strata_monitor_parse_endpoint(endpoint, ep, sizeof ep, &connect));
  if (opts->jsonl) {
    jsonl = fopen(opts->jsonl, "a");
    if (!jsonl) STRATA_FAIL(STRATA_ERR_IO, "--events-jsonl: cannot open '%s': %s", opts->jsonl, strerror(errno));
  }
  if (!endpoint && !jsonl) goto cleanup;
  strata_actor_cfg_t cfg = {endpoint ? ep : NULL, connect, opts->curve_dir, jsonl, ev->run_id, ev->t0};
  STRATA_CHECK(strata_actor_start(&cfg, &ev->actor));
  jsonl = NULL; /* the actor owns it now */
  snprintf(ev->endpoint, sizeof ev->endpoint, "%s", strata_actor_endpoint(ev->actor));
  if (endpoint && !connect) {
    /* a wildcard bind reports 0.0.0.0: write a name another host can connect to */
    char host[256] = "localhost", fixed[512];
    const char *p = strstr(ev->endpoint, "://0.0.0.0:");
    if (p && gethostname(host, sizeof host) == 0) {
      host[sizeof host - 1] = '\0';
      snprintf(fixed, sizeof fixed, "tcp://%s:%s", host, p + 11);
      snprintf(ev->endpoint, sizeof ev->endpoint, "%s", fixed);
    }
    if (opts->endpoint_file) {
      snprintf(ev->endpoint_file, sizeof ev->endpoint_file, "%s", opts->endpoint_file);
      STRATA_CHECK(strata_monitor_write_endpoint(ev->endpoint_file, ev->endpoint));
      ev->wrote_file = 1;
      strata_log(MPI_COMM_SELF, 1, "strata: progress on %s (watch it with: strata monitor --file %s)\n", ev->endpoint, ev->endpoint_file);
    } else {
      strata_log(MPI_COMM_SELF, 1, "strata: progress on %s (watch it with: strata monitor --endpoint %s)\n", ev->endpoint, ev->endpoint);
    }
  }
cleanup:
  if (jsonl) fclose(jsonl);
  if (st) strata_actor_stop(&ev->actor);
  return st;
}

int strata_events_create(MPI_Comm comm, const strata_events_opts_t *opts, strata_events_t **out) {
  int st = STRATA_OK, st0 = STRATA_OK;
  strata_events_t *ev = NULL;
  *out = NULL;
  STRATA_CALLOC(ev, 1);
  STRATA_MPI_CHECK(MPI_Comm_dup(comm, &ev->comm));
  MPI_Comm_rank(ev->comm, &ev->rank);
  MPI_Comm_size(ev->comm, &ev->size);
  ev->progress = opts ? opts->progress : 0;
  ev->t0 = strata_monitor_clock();
  if (ev->rank == 0) {
    char host[128] = "";
    gethostname(host, sizeof host);
    host[sizeof host - 1] = '\0';
    snprintf(ev->run_id, sizeof ev->run_id, "%s:%ld:%.0f", host, (long)getpid(), strata_monitor_walltime());
    if (opts) st0 = start_rank0(ev, opts);
    if (st0 == STRATA_OK && (ev->actor || ev->progress)) {
      /* no STRATA_MALLOC here: a jump to cleanup would skip the broadcast the others wait in */
      ev->all = malloc(3 * sizeof(double) * (size_t)ev->size);
      ev->scratch = malloc(sizeof(double) * (size_t)ev->size);
      if (!ev->all || !ev->scratch) {
        st0 = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "monitor: out of memory");
        strata_actor_stop(&ev->actor);
      }
    }
  }
  /* every rank must know whether strata_ev_iteration gathers (it is collective) */
  int flag = ev->rank == 0 && st0 == STRATA_OK && (ev->actor || ev->progress);
  STRATA_MPI_CHECK(MPI_Bcast(&flag, 1, MPI_INT, 0, ev->comm));
  ev->gather = flag;
  st = st0;
cleanup:
  /* on failure the object stays valid and inert, so the caller's collective destroy matches */
  *out = ev;
  return st;
}

const char *strata_ev_endpoint(const strata_events_t *ev) {
  return ev && ev->actor && ev->endpoint[0] ? ev->endpoint : NULL;
}
const char *strata_ev_endpoint_file(const strata_events_t *ev) {
  return ev && ev->wrote_file ? ev->endpoint_file : NULL;
}
int strata_ev_subscribers(const strata_events_t *ev) { return ev ? strata_actor_subscribers(ev->actor) : 0; }
long long strata_ev_dropped(const strata_events_t *ev) { return ev ? strata_actor_dropped(ev->actor) : 0; }

void strata_events_destroy(strata_events_t **evp) {
  if (!evp || !*evp) return;
  strata_events_t *ev = *evp;
  strata_actor_stop(&ev->actor);
  if (ev->wrote_file) {
    /* remove our endpoint file, unless another run has replaced it meanwhile */
    char cur[512] = "";
    FILE *f = fopen(ev->endpoint_file, "r");
    if (f) {
      if (!fgets(cur, sizeof cur, f)) cur[0] = '\0';
      fclose(f);
      cur[strcspn(cur, "\r\n")] = '\0';
      if (strcmp(cur, ev->endpoint) == 0) remove(ev->endpoint_file);
    }
  }
  free(ev->all);
  free(ev->scratch);
  if (ev->comm != MPI_COMM_NULL && ev->comm) MPI_Comm_free(&ev->comm);
  free(ev);
  *evp = NULL;
}

/* ------------------------------------------------------------------------------------------ */

void strata_ev_run_start(strata_events_t *ev, const char *command, int64_t nobs, int64_t nvar,
                         int nviews, int nprow, int npcol) {
  if (!ev || ev->rank != 0) return;
  char host[256] = "", started[32] = "";
  gethostname(host, sizeof host);
  host[sizeof host - 1] = '\0';
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
  json_t *o = new_event(ev, "run_start");
  if (!o) return;
  json_object_set_new(o, "command", json_string(command ? command : ""));
  json_object_set_new(o, "version", json_string(STRATA_VERSION));
  json_object_set_new(o, "run_id", json_string(ev->run_id));
  json_object_set_new(o, "host", json_string(host));
  json_object_set_new(o, "pid", json_integer((json_int_t)getpid()));
  json_object_set_new(o, "started", json_string(started));
  json_object_set_new(o, "nobs", json_integer((json_int_t)nobs));
  json_object_set_new(o, "nvar", json_integer((json_int_t)nvar));
  json_object_set_new(o, "nviews", json_integer(nviews));
  json_object_set_new(o, "ranks", json_integer(ev->size));
  json_object_set_new(o, "grid", json_pack("[i, i]", nprow, npcol));
  post(ev, o);
}

void strata_ev_phase_begin(strata_events_t *ev, const char *phase, int64_t total_steps) {
  if (!ev || ev->rank != 0 || !phase) return;
  double now = strata_monitor_clock();
  if (ev->nphases == MAX_OPEN_PHASES) { /* deeper nesting than anyone uses: forget the oldest */
    memmove(ev->phases, ev->phases + 1, (MAX_OPEN_PHASES - 1) * sizeof ev->phases[0]);
    ev->nphases--;
  }
  open_phase_t *p = &ev->phases[ev->nphases++];
  snprintf(p->name, sizeof p->name, "%s", phase);
  p->t_begin = now;
  p->iter_base = -1;
  if (ev->progress) fprintf(stderr, "[%8.2fs] %s ...\n", now - ev->t0, phase);
  json_t *o = new_event(ev, "phase_begin");
  if (!o) return;
  json_object_set_new(o, "phase", json_string(phase));
  json_object_set_new(o, "total_steps", total_steps > 0 ? json_integer((json_int_t)total_steps) : json_null());
  post(ev, o);
}

void strata_ev_phase_end(strata_events_t *ev, const char *phase) {
  if (!ev || ev->rank != 0 || !phase) return;
  double now = strata_monitor_clock(), seconds = NAN;
  open_phase_t *p = find_phase(ev, phase);
  if (p) {
    seconds = now - p->t_begin;
    int i = (int)(p - ev->phases);
    memmove(p, p + 1, (size_t)(ev->nphases - i - 1) * sizeof *p);
    ev->nphases--;
  }
  if (ev->progress) fprintf(stderr, "[%8.2fs] %s done (%.2f s)\n", now - ev->t0, phase, seconds);
  json_t *o = new_event(ev, "phase_end");
  if (!o) return;
  json_object_set_new(o, "phase", json_string(phase));
  json_object_set_new(o, "seconds", number_or_null(seconds));
  post(ev, o);
}

void strata_ev_warning(strata_events_t *ev, const char *fmt, ...) {
  if (!ev || ev->rank != 0) return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "warning: %s\n", msg);
  json_t *o = new_event(ev, "warning");
  if (!o) return;
  json_object_set_new(o, "message", json_string(msg));
  post(ev, o);
}

void strata_ev_checkpoint(strata_events_t *ev, const char *path, int64_t iteration) {
  if (!ev || ev->rank != 0) return;
  json_t *o = new_event(ev, "checkpoint");
  if (!o) return;
  json_object_set_new(o, "path", json_string(path ? path : ""));
  json_object_set_new(o, "iteration", json_integer((json_int_t)iteration));
  post(ev, o);
}

void strata_ev_run_end(strata_events_t *ev, int status, int exit_code) {
  if (!ev || ev->rank != 0 || ev->ended) return;
  ev->ended = 1;
  json_t *o = new_event(ev, "run_end");
  if (!o) return;
  json_object_set_new(o, "status", json_string(status == STRATA_OK ? "ok" : strata_status_name(status)));
  json_object_set_new(o, "status_code", json_integer(status));
  json_object_set_new(o, "exit_code", json_integer(exit_code));
  json_object_set_new(o, "message", json_string(status == STRATA_OK ? "" : strata_err_msg()));
  post(ev, o);
}

/* ------------------------------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* min / median / max (and the rank holding the max) of column k of the gathered figures */
static json_t *spread(strata_events_t *ev, int k, int integer, double *maxv, int *maxrank) {
  int P = ev->size, arg = 0;
  for (int r = 0; r < P; r++) {
    ev->scratch[r] = ev->all[3 * r + k];
    if (ev->scratch[r] > ev->scratch[arg]) arg = r;
  }
  double mx = ev->scratch[arg];
  qsort(ev->scratch, (size_t)P, sizeof(double), cmp_double);
  double med = P % 2 ? ev->scratch[P / 2] : 0.5 * (ev->scratch[P / 2 - 1] + ev->scratch[P / 2]);
  if (maxv) *maxv = mx;
  if (maxrank) *maxrank = arg;
  if (integer)
    return json_pack("{s:I, s:I, s:I, s:i}", "min", (json_int_t)ev->scratch[0], "median", (json_int_t)med,
                     "max", (json_int_t)mx, "max_rank", arg);
  return json_pack("{s:o, s:o, s:o, s:i}", "min", number_or_null(ev->scratch[0]), "median",
                   number_or_null(med), "max", number_or_null(mx), "max_rank", arg);
}

void strata_ev_iteration(strata_events_t *ev, const char *phase, int64_t iter, int64_t max_iter,
                         double objective, double rel_change, double t_compute, double t_comm) {
  if (!ev || !ev->gather) return;
  double now = strata_monitor_clock();
  /* VmHWM only grows and reading /proc costs ~20 us: refresh it at most once a second */
  if (ev->hwm_time == 0 || now - ev->hwm_time > 1.0) {
    ev->hwm = (double)strata_mem_hwm();
    ev->hwm_time = now;
  }
  double mine[3] = {t_compute, t_comm, ev->hwm};
  /* 24 bytes per rank; an MPI failure here would surface at the solver's next agreement */
  if (MPI_Gather(mine, 3, MPI_DOUBLE, ev->all, 3, MPI_DOUBLE, 0, ev->comm) != MPI_SUCCESS) return;
  if (ev->rank != 0) return;
  const char *name = phase ? phase : "";
  open_phase_t *p = find_phase(ev, name);
  double t_begin = p ? p->t_begin : ev->t0, eta = NAN;
  if (p && p->iter_base < 0) p->iter_base = iter - 1;
  int64_t base = p ? p->iter_base : 0, done = iter - base;
  if (max_iter > 0 && done > 0 && iter <= max_iter) eta = (now - t_begin) / (double)done * (double)(max_iter - iter);
  double cmax = 0;
  int crank = 0;
  json_t *o = new_event(ev, "iteration");
  json_t *compute = spread(ev, 0, 0, &cmax, &crank), *comm = spread(ev, 1, 0, NULL, NULL),
         *mem = spread(ev, 2, 1, NULL, NULL);
  if (ev->progress) {
    char etas[32] = "?";
    if (isfinite(eta)) snprintf(etas, sizeof etas, "%.0fs", eta);
    fprintf(stderr, "[%8.2fs] %s %lld/%lld objective %.10g change %.3g eta %s slowest rank %d (%.3gs)\n",
            now - ev->t0, name, (long long)iter, (long long)max_iter, objective, rel_change, etas, crank, cmax);
  }
  if (!o || !ev->actor) {
    json_decref(o);
    json_decref(compute);
    json_decref(comm);
    json_decref(mem);
    return;
  }
  json_object_set_new(o, "phase", json_string(name));
  json_object_set_new(o, "iter", json_integer((json_int_t)iter));
  json_object_set_new(o, "max_iter", max_iter > 0 ? json_integer((json_int_t)max_iter) : json_null());
  json_object_set_new(o, "objective", number_or_null(objective));
  json_object_set_new(o, "change", number_or_null(rel_change));
  json_object_set_new(o, "phase_elapsed", json_real(now - t_begin));
  json_object_set_new(o, "eta", number_or_null(eta));
  json_object_set_new(o, "compute", compute ? compute : json_null());
  json_object_set_new(o, "comm", comm ? comm : json_null());
  json_object_set_new(o, "mem_hwm", mem ? mem : json_null());
  post(ev, o);
}
