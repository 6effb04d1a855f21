/* The ZeroMQ / JSON-lines sink of the progress-event hook (strata/events.h): turns each event
 * into a strata.events/1 JSON message (jansson) on rank 0 and hands it to the publishing actor
 * (monitor/actor.c), which never waits for a subscriber; writes and removes the endpoint file.
 * Not the phase bookkeeping or the per-rank gather (mpi/events.c), nor the subscriber side
 * (channel.c). */
#include <errno.h>
#include <math.h>
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
#include "strata/version.h"

typedef struct pub {
  strata_actor_t *actor;
  double t0;           /* strata_monitor_clock() at creation */
  json_int_t seq;
  char run_id[160];
  char endpoint_file[4096];
  char endpoint[512];
  int wrote_file;
} pub_t;

static json_t *number_or_null(double x) { return isfinite(x) ? json_real(x) : json_null(); }

static json_t *new_event(pub_t *ev, const char *type, double clock) {
  return json_pack("{s:s, s:s, s:I, s:f, s:f}", "schema", STRATA_EVENTS_SCHEMA, "type", type, "seq",
                   (json_int_t)++ev->seq, "t", strata_monitor_walltime(), "elapsed", clock - ev->t0);
}

/* rank 0: everything that can fail before the actor runs */
static int start_rank0(pub_t *ev, const strata_events_opts_t *opts) {
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

static json_t *spread_json(const strata_ev_spread_t *s, int integer) {
  if (integer)
    return json_pack("{s:I, s:I, s:I, s:i}", "min", (json_int_t)s->min, "median", (json_int_t)s->median,
                     "max", (json_int_t)s->max, "max_rank", s->max_rank);
  return json_pack("{s:o, s:o, s:o, s:i}", "min", number_or_null(s->min), "median",
                   number_or_null(s->median), "max", number_or_null(s->max), "max_rank", s->max_rank);
}

static json_t *run_start_json(pub_t *ev, const strata_event_t *e) {
  char host[256] = "", started[32] = "";
  gethostname(host, sizeof host);
  host[sizeof host - 1] = '\0';
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
  json_t *o = new_event(ev, "run_start", e->clock);
  if (!o) return NULL;
  json_object_set_new(o, "command", json_string(e->command));
  json_object_set_new(o, "version", json_string(STRATA_VERSION));
  json_object_set_new(o, "run_id", json_string(ev->run_id));
  json_object_set_new(o, "host", json_string(host));
  json_object_set_new(o, "pid", json_integer((json_int_t)getpid()));
  json_object_set_new(o, "started", json_string(started));
  json_object_set_new(o, "nobs", json_integer((json_int_t)e->nobs));
  json_object_set_new(o, "nvar", json_integer((json_int_t)e->nvar));
  json_object_set_new(o, "nviews", json_integer(e->nviews));
  json_object_set_new(o, "ranks", json_integer(e->ranks));
  json_object_set_new(o, "grid", json_pack("[i, i]", e->nprow, e->npcol));
  return o;
}

static json_t *iteration_json(pub_t *ev, const strata_event_t *e) {
  json_t *o = new_event(ev, "iteration", e->clock);
  if (!o) return NULL;
  json_t *compute = spread_json(&e->compute, 0), *comm = spread_json(&e->comm, 0),
         *mem = spread_json(&e->mem_hwm, 1);
  json_object_set_new(o, "phase", json_string(e->phase));
  json_object_set_new(o, "iter", json_integer((json_int_t)e->iter));
  json_object_set_new(o, "max_iter", e->max_iter > 0 ? json_integer((json_int_t)e->max_iter) : json_null());
  json_object_set_new(o, "objective", number_or_null(e->objective));
  json_object_set_new(o, "change", number_or_null(e->change));
  json_object_set_new(o, "phase_elapsed", json_real(e->phase_elapsed));
  json_object_set_new(o, "eta", number_or_null(e->eta));
  json_object_set_new(o, "compute", compute ? compute : json_null());
  json_object_set_new(o, "comm", comm ? comm : json_null());
  json_object_set_new(o, "mem_hwm", mem ? mem : json_null());
  return o;
}

/* rank 0, the emitting thread: one JSON message to the actor (which never blocks) */
static void pub_emit(void *ctx, const strata_event_t *e) {
  pub_t *ev = ctx;
  if (!ev->actor) return;
  json_t *o = NULL;
  switch (e->type) {
    case STRATA_EV_RUN_START: o = run_start_json(ev, e); break;
    case STRATA_EV_ITERATION: o = iteration_json(ev, e); break;
    case STRATA_EV_PHASE_BEGIN:
      if ((o = new_event(ev, "phase_begin", e->clock))) {
        json_object_set_new(o, "phase", json_string(e->phase));
        json_object_set_new(o, "total_steps", e->total_steps > 0 ? json_integer((json_int_t)e->total_steps) : json_null());
      }
      break;
    case STRATA_EV_PHASE_END:
      if ((o = new_event(ev, "phase_end", e->clock))) {
        json_object_set_new(o, "phase", json_string(e->phase));
        json_object_set_new(o, "seconds", number_or_null(e->seconds));
      }
      break;
    case STRATA_EV_WARNING:
      if ((o = new_event(ev, "warning", e->clock))) json_object_set_new(o, "message", json_string(e->message));
      break;
    case STRATA_EV_CHECKPOINT:
      if ((o = new_event(ev, "checkpoint", e->clock))) {
        json_object_set_new(o, "path", json_string(e->path));
        json_object_set_new(o, "iteration", json_integer((json_int_t)e->iteration));
      }
      break;
    case STRATA_EV_RUN_END:
      if ((o = new_event(ev, "run_end", e->clock))) {
        json_object_set_new(o, "status", json_string(e->status == STRATA_OK ? "ok" : strata_status_name(e->status)));
        json_object_set_new(o, "status_code", json_integer(e->status));
        json_object_set_new(o, "exit_code", json_integer(e->exit_code));
        json_object_set_new(o, "message", json_string(e->message ? e->message : ""));
      }
      break;
  }
  if (o) strata_actor_post(ev->actor, o);
}

/* rank 0: stop the actor (it publishes what it was given, with a bounded linger) and remove our
 * endpoint file, unless another run has replaced it meanwhile */
static void pub_destroy(void *ctx) {
  pub_t *ev = ctx;
  if (!ev) return;
  strata_actor_stop(&ev->actor);
  if (ev->wrote_file) {
    char cur[512] = "";
    FILE *f = fopen(ev->endpoint_file, "r");
    if (f) {
      if (!fgets(cur, sizeof cur, f)) cur[0] = '\0';
      fclose(f);
      cur[strcspn(cur, "\r\n")] = '\0';
      if (strcmp(cur, ev->endpoint) == 0) remove(ev->endpoint_file);
    }
  }
  free(ev);
}

int strata_events_create(MPI_Comm comm, const strata_events_opts_t *opts, strata_events_t **out) {
  int st0 = STRATA_OK, rank = 0;
  pub_t *ev = NULL;
  strata_ev_sink_t sink = {NULL, pub_emit, pub_destroy};
  *out = NULL;
  MPI_Comm_rank(comm, &rank);
  if (rank == 0 && opts) {
    ev = calloc(1, sizeof *ev);
    if (!ev) {
      st0 = strata_err_set(STRATA_ERR_MEM, __FILE__, __LINE__, __func__, "monitor: out of memory");
    } else {
      char host[128] = "";
      gethostname(host, sizeof host);
      host[sizeof host - 1] = '\0';
      ev->t0 = strata_monitor_clock();
      snprintf(ev->run_id, sizeof ev->run_id, "%s:%ld:%.0f", host, (long)getpid(), strata_monitor_walltime());
      st0 = start_rank0(ev, opts);
      if (st0 || !ev->actor) {
        pub_destroy(ev);
        ev = NULL;
      }
    }
  }
  sink.ctx = ev;
  int st = strata_events_new(comm, opts ? opts->progress : 0, ev ? &sink : NULL, out);
  return st0 ? st0 : st;
}

static const pub_t *pub_of(const strata_events_t *ev) { return strata_events_sink_ctx(ev, pub_emit); }

const char *strata_ev_endpoint(const strata_events_t *ev) {
  const pub_t *p = pub_of(ev);
  return p && p->actor && p->endpoint[0] ? p->endpoint : NULL;
}
const char *strata_ev_endpoint_file(const strata_events_t *ev) {
  const pub_t *p = pub_of(ev);
  return p && p->wrote_file ? p->endpoint_file : NULL;
}
int strata_ev_subscribers(const strata_events_t *ev) {
  const pub_t *p = pub_of(ev);
  return p ? strata_actor_subscribers(p->actor) : 0;
}
long long strata_ev_dropped(const strata_events_t *ev) {
  const pub_t *p = pub_of(ev);
  return p ? strata_actor_dropped(p->actor) : 0;
}
