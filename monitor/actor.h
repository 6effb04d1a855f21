/* Private to monitor/: the publishing actor on rank 0 (a thread that owns the ZeroMQ sockets,
 * fed through an inproc PAIR pipe).  monitor/events.c is its only user. */
#ifndef STRATA_MONITOR_ACTOR_H
#define STRATA_MONITOR_ACTOR_H
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "strata/error.h"

typedef struct strata_actor strata_actor_t;

typedef struct strata_actor_cfg {
  const char *endpoint;  /* normalised endpoint (strata_monitor_parse_endpoint), or NULL: no socket */
  int connect;           /* 1: connect to a binding monitor; 0: bind */
  const char *curve_dir; /* CURVE key directory, or NULL */
  FILE *jsonl;           /* event log; the actor takes ownership (fclose at stop), or NULL */
  const char *run_id;    /* carried by heartbeats and snapshots */
  double t0;             /* strata_monitor_clock() at the start of the run */
} strata_actor_cfg_t;

/* Not collective (rank 0 only).  Create the sockets (bind/connect, CURVE + ZAP handler) in the
 * calling thread so that every failure is reported here, then hand them to a new thread.
 * Returns STRATA_OK or an error with a message naming the endpoint or key file. */
STRATA_NODISCARD int strata_actor_start(const strata_actor_cfg_t *cfg, strata_actor_t **out);
/* Hand one event to the actor; takes ownership of ev.  The event is serialised and freed in the
 * calling thread, only its text crosses the pipe.  Never blocks: if the pipe is full the event
 * is dropped (counted) and 1 is returned, else 0. */
int strata_actor_post(strata_actor_t *a, json_t *ev);
/* The endpoint actually bound or connected (port 0 resolved). */
const char *strata_actor_endpoint(const strata_actor_t *a);
/* Subscriptions currently known to the publisher (a relaxed counter, for tests and benches). */
int strata_actor_subscribers(const strata_actor_t *a);
/* Events dropped because the pipe to the actor was full. */
long long strata_actor_dropped(const strata_actor_t *a);
/* Synchronous stop: the actor publishes everything already posted, closes its sockets with a
 * bounded linger and exits; then the context is terminated.  NULL-safe; nulls *a. */
void strata_actor_stop(strata_actor_t **a);

/* Monotonic seconds and wall-clock (Unix epoch) seconds, safe from any thread. */
static inline double strata_monitor_clock(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
static inline double strata_monitor_walltime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
