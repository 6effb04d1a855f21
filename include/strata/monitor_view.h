/* The monitor's view of a watched run ("mview"): the state of a run rebuilt from the
 * strata.events/1 messages it publishes (run, phases with their progress, last iteration,
 * checkpoint, warnings, the end), sequence gaps counted as dropped events, and the three ways
 * `strata monitor` shows it: a live view redrawn in place on a terminal, one plain line per
 * event, or nothing until asked (--once).  Also the two rules a reader of the channel needs:
 * which schema tags it accepts and which status a run's exit code stands for.
 *
 * Messages go in as text (one received ZeroMQ frame); JSON stays inside monitor/.  Nothing here
 * is collective and nothing talks to other ranks; the view needs MPI initialised only for the
 * clock (strata_wtime).  See docs/events.md for the messages. */
#ifndef STRATA_MONITOR_VIEW_H
#define STRATA_MONITOR_VIEW_H
#include <stdio.h>

#include "strata/error.h"

/* Phases kept by a view; past that the oldest row is dropped. */
#define STRATA_MVIEW_MAX_PHASES 32

/* One phase as the events told it. */
typedef struct strata_mview_phase {
  char name[64];         /* the event's "phase" (cut to 63 bytes) */
  int open;              /* begun (or iterating) and not ended */
  double seconds;        /* duration from phase_end or a snapshot's done_phases; NaN until then */
  long long total;       /* total_steps of phase_begin, 0 if unknown */
  long long iter;        /* iter and max_iter of the phase's last iteration event (0 before) */
  long long max_iter;
} strata_mview_phase_t;

/* The scalar state of a view (read-only for the caller; strata_mview_info). */
typedef struct strata_mview_info {
  strata_mview_phase_t phases[STRATA_MVIEW_MAX_PHASES]; /* in order of first appearance */
  int nphases;           /* run_start and every snapshot start the list again */
  long long messages;    /* messages accepted: events, snapshots and heartbeats */
  long long events;      /* events applied (every type but snapshot and heartbeat) */
  long long snapshots;
  long long dropped;     /* events missed: gaps in seq after the first run_start or snapshot;
                            saturates at LLONG_MAX */
  long long last_seq;    /* highest seq of an event, or last_seq of a snapshot, seen */
  long long warnings;    /* warning events (a snapshot sets its own count) */
  double elapsed;        /* the run's "elapsed" in the last message that carried one */
  double last_msg;       /* strata_wtime() / `now` of the last accepted message */
  double last_event;     /* ... of the last event (a long iteration shows here) */
  int ended;             /* a run_end event (or a snapshot holding one) has been seen */
  long long exit_code;   /* its exit_code; 0 while not ended */
} strata_mview_info_t;

/* How the view shows itself on its output stream. */
typedef enum strata_mview_mode {
  STRATA_MVIEW_LIVE,     /* redraw the whole view in place (ANSI cursor moves), at most 10/s
                            except on a new event other than an iteration */
  STRATA_MVIEW_LINES,    /* one line per event, iterations at most once per `every` seconds;
                            a late joiner's first snapshot prints the state so far */
  STRATA_MVIEW_QUIET     /* print nothing by itself (strata_mview_print on demand) */
} strata_mview_mode_t;

/* What a received message was. */
typedef enum strata_mview_kind {
  STRATA_MVIEW_EVENT,      /* an event with a seq, applied */
  STRATA_MVIEW_SNAPSHOT,   /* a snapshot: the state so far replaced what the view had */
  STRATA_MVIEW_HEARTBEAT,  /* a heartbeat (only the clocks and elapsed change) */
  STRATA_MVIEW_NOT_JSON,   /* refused: not a JSON object */
  STRATA_MVIEW_BAD_SCHEMA  /* refused: no "schema" tag, or not strata.events/1[.x] */
} strata_mview_kind_t;

typedef struct strata_mview strata_mview_t;

/* A view of the run at `endpoint` (copied; named in messages and in the header line until a
 * run_start arrives), shown in `mode` on `out` (NULL = stdout; not closed by the view; its
 * terminal width cuts LIVE lines).  `every`: seconds between iteration lines in LINES mode
 * (0 = every iteration).  The clocks start at strata_wtime().  Sets *view (NULL on failure);
 * STRATA_ERR_MEM.  Destroy with strata_mview_destroy. */
STRATA_NODISCARD int strata_mview_create(const char *endpoint, strata_mview_mode_t mode, double every,
                                         FILE *out, strata_mview_t **view);
/* NULL-safe; frees the view and the messages it holds; sets *view to NULL. */
void strata_mview_destroy(strata_mview_t **view);

/* The view's scalar state, valid until the next call that changes the view. */
const strata_mview_info_t *strata_mview_info(const strata_mview_t *view);

/* Take one received message (NUL-terminated text) at time `now` (strata_wtime()): parse it,
 * check the schema tag, apply a snapshot or an event (seq gaps counted), and show it as the
 * mode says.  *kind says what it was.  A message that is not a JSON object or not schema
 * strata.events/1 leaves the view unchanged and returns STRATA_ERR_INPUT with a message naming
 * the endpoint (the caller may clear it and go on); anything else in a schema-valid message
 * (missing or mistyped fields, absurd numbers) is taken as absent or shown as '?', never an
 * error.  The message text stays the caller's. */
STRATA_NODISCARD int strata_mview_receive(strata_mview_t *view, const char *msg, double now,
                                          strata_mview_kind_t *kind);

/* Print the whole state once, plain (no cursor moves), on the view's output. */
void strata_mview_print(strata_mview_t *view);
/* Nothing arrived: in LIVE mode, once a message has been accepted, redraw (the "ago" clocks
 * move), at most 10 times a second.  Nothing in the other modes. */
void strata_mview_idle(strata_mview_t *view);
/* The endpoint changed (a requeued run wrote a new one): name `endpoint` from now on, restart
 * the silence clock at `now` and the seq count (the new run numbers from 1 again). */
void strata_mview_follow(strata_mview_t *view, const char *endpoint, double now);

/* STRATA_OK while a message arrived within `timeout` seconds before `now`; otherwise
 * STRATA_ERR_IO with a message: nothing ever arrived (check --monitor, endpoint, CURVE keys),
 * or the run went silent (naming the last event seq). */
STRATA_NODISCARD int strata_mview_check_alive(const strata_mview_t *view, double now, double timeout);
/* The status the run's end stands for: STRATA_OK before run_end or for exit code 0; else the
 * status of strata_monitor_status_for_exit, recorded with a message giving the code, the run's
 * status word and its message. */
STRATA_NODISCARD int strata_mview_run_status(const strata_mview_t *view);

/* The status whose exit code (strata_exit_code) is `code`: 0 OK, 1 usage, 2 input, 3 I/O,
 * 4 numerical, 5 internal, 6 interrupted (checkpointed); anything else STRATA_ERR_INTERNAL. */
int strata_monitor_status_for_exit(long long code);
/* 1 if `schema` is a tag this reader understands: "strata.events/1" or "strata.events/1.x"
 * (same major version); 0 otherwise, NULL included. */
int strata_monitor_schema_ok(const char *schema);

#endif
