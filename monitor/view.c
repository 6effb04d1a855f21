/* The monitor's view of a watched run (strata/monitor_view.h): the state rebuilt from the
 * strata.events/1 messages (apply_event, apply_snapshot, count_seq), the live terminal view
 * (build_view, draw), the plain one-line-per-event output (plain_line), and the schema and
 * exit-code rules.  The receive loop, the socket and the options are cli/cmd_monitor.c's. */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <jansson.h>

#include "strata/monitor.h"
#include "strata/monitor_view.h"
#include "strata/util.h"

struct strata_mview {
  strata_mview_info_t info; /* the scalar state, handed out by strata_mview_info */
  json_t *run, *iteration, *checkpoint, *last_warning, *run_end; /* last message of each kind */
  strata_mview_mode_t mode;
  FILE *out;
  int drawn_lines;          /* LIVE: lines drawn last time (the cursor goes back over them) */
  double last_draw, last_plain_iter;
  double every;             /* LINES: seconds between iteration lines */
  char endpoint[1024];
};

/* ------------------------------------------------------------------------------------------ */
/* formatting */

static const char *fmt_time(double s, char *buf, size_t n) {
  if (!isfinite(s) || s < 0 || s >= 1e18) { /* 1e18: a long's range, far past any run */
    snprintf(buf, n, "?");
  } else if (s < 60) {
    snprintf(buf, n, "%.1fs", s);
  } else {
    long t = (long)(s + 0.5);
    if (t >= 3600)
      snprintf(buf, n, "%ldh%02ldm%02lds", t / 3600, t / 60 % 60, t % 60);
    else
      snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
  }
  return buf;
}

static const char *fmt_bytes(double b, char *buf, size_t n) {
  const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    u++;
  }
  snprintf(buf, n, u ? "%.1f %s" : "%.0f %s", b, unit[u]);
  return buf;
}

static double num(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return json_is_number(v) ? json_number_value(v) : NAN;
}
static long long integer(json_t *o, const char *key) {
  json_t *v = json_object_get(o, key);
  return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}
static const char *str(json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return s ? s : "";
}

/* ------------------------------------------------------------------------------------------ */
/* state */

static strata_mview_phase_t *phase_row(strata_mview_t *v, const char *name) {
  strata_mview_info_t *I = &v->info;
  for (int i = I->nphases; i-- > 0;)
    if (strcmp(I->phases[i].name, name) == 0) return &I->phases[i];
  if (I->nphases == STRATA_MVIEW_MAX_PHASES) { /* keep the most recent phases */
    memmove(I->phases, I->phases + 1, (STRATA_MVIEW_MAX_PHASES - 1) * sizeof I->phases[0]);
    I->nphases--;
  }
  strata_mview_phase_t *p = &I->phases[I->nphases++];
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "%s", name);
  p->seconds = NAN;
  return p;
}

static void keep(json_t **slot, json_t *o) {
  json_decref(*slot);
  *slot = json_is_object(o) ? json_incref(o) : NULL;
}

static void apply_event(strata_mview_t *v, const char *type, json_t *m) {
  if (strcmp(type, "run_start") == 0) {
    keep(&v->run, m);
    v->info.nphases = 0;
  } else if (strcmp(type, "phase_begin") == 0) {
    strata_mview_phase_t *p = phase_row(v, str(m, "phase"));
    p->open = 1;
    p->total = integer(m, "total_steps");
    p->iter = 0;
  } else if (strcmp(type, "phase_end") == 0) {
    strata_mview_phase_t *p = phase_row(v, str(m, "phase"));
    p->open = 0;
    p->seconds = num(m, "seconds");
  } else if (strcmp(type, "iteration") == 0) {
    keep(&v->iteration, m);
    strata_mview_phase_t *p = phase_row(v, str(m, "phase"));
    p->iter = integer(m, "iter");
    p->max_iter = integer(m, "max_iter");
    if (isnan(p->seconds)) p->open = 1;
  } else if (strcmp(type, "checkpoint") == 0) {
    keep(&v->checkpoint, m);
  } else if (strcmp(type, "warning") == 0) {
    v->info.warnings++;
    keep(&v->last_warning, m);
  } else if (strcmp(type, "run_end") == 0) {
    keep(&v->run_end, m);
  }
}

/* A snapshot replaces what a late joiner could not see. */
static void apply_snapshot(strata_mview_t *v, json_t *m) {
  keep(&v->run, json_object_get(m, "run"));
  v->info.nphases = 0;
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(m, "done_phases"), i, x) {
    strata_mview_phase_t *p = phase_row(v, str(x, "phase"));
    p->open = 0;
    p->seconds = num(x, "seconds");
  }
  json_array_foreach(json_object_get(m, "open_phases"), i, x) apply_event(v, "phase_begin", x);
  json_t *it = json_object_get(m, "iteration");
  if (json_is_object(it)) apply_event(v, "iteration", it);
  keep(&v->checkpoint, json_object_get(m, "checkpoint"));
  keep(&v->last_warning, json_object_get(m, "last_warning"));
  v->info.warnings = integer(m, "warnings");
  keep(&v->run_end, json_object_get(m, "run_end"));
}

/* An event's seq (1, 2, 3, ... per run): a gap is events this monitor missed.  Any value a
 * message carries is taken without overflow (the counts saturate). */
static void count_seq(strata_mview_info_t *I, const char *type, long long seq) {
  if (strcmp(type, "run_start") == 0) I->last_seq = seq > LLONG_MIN ? seq - 1 : seq;
  if (I->last_seq > 0 && seq > I->last_seq && seq - I->last_seq > 1) {
    long long gap = seq - I->last_seq - 1;
    I->dropped = I->dropped > LLONG_MAX - gap ? LLONG_MAX : I->dropped + gap;
  }
  if (seq > I->last_seq) I->last_seq = seq;
}

/* ------------------------------------------------------------------------------------------ */
/* rendering */

typedef struct lines {
  char text[24][256];
  int n;
} lines_t;

static void add(lines_t *L, const char *fmt, ...) STRATA_PRINTF(2, 3);
static void add(lines_t *L, const char *fmt, ...) {
  if (L->n == 24) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(L->text[L->n++], sizeof L->text[0], fmt, ap);
  va_end(ap);
}

static void stats_line(lines_t *L, json_t *it, const char *key, const char *label, int bytes) {
  json_t *s = json_object_get(it, key);
  if (!json_is_object(s)) return;
  char a[32], b[32], c[32];
  if (bytes)
    add(L, "%-14s min %s  median %s  max %s (rank %lld)", label, fmt_bytes(num(s, "min"), a, sizeof a),
        fmt_bytes(num(s, "median"), b, sizeof b), fmt_bytes(num(s, "max"), c, sizeof c), integer(s, "max_rank"));
  else
    add(L, "%-14s min %.3gs  median %.3gs  max %.3gs (rank %lld)", label, num(s, "min"), num(s, "median"),
        num(s, "max"), integer(s, "max_rank"));
}

/* One row per phase: done with its time, a progress bar while iterating, or running. */
static void phase_lines(const strata_mview_t *v, lines_t *L) {
  char a[32], b[32];
  for (int i = 0; i < v->info.nphases; i++) {
    const strata_mview_phase_t *p = &v->info.phases[i];
    if (!p->open) {
      add(L, "  %-14s done    %s", p->name, fmt_time(p->seconds, a, sizeof a));
    } else if (p->max_iter > 0 || p->total > 0) {
      long long tot = p->max_iter > 0 ? p->max_iter : p->total, cur = p->iter;
      int w = 30, fill = tot > 0 ? (int)(w * ((double)(cur > tot ? tot : cur) / (double)tot)) : 0;
      char bar[64];
      for (int k = 0; k < w; k++) bar[k] = k < fill ? '#' : '.';
      bar[w] = '\0';
      double eta = v->iteration && strcmp(str(v->iteration, "phase"), p->name) == 0 ? num(v->iteration, "eta") : NAN;
      add(L, "  %-14s [%s] %lld/%lld %3.0f%%  ETA %s", p->name, bar, cur, tot, 100.0 * (double)cur / (double)tot,
          fmt_time(eta, b, sizeof b));
    } else {
      add(L, "  %-14s running", p->name);
    }
  }
}

static void build_view(const strata_mview_t *v, lines_t *L) {
  char a[32], b[32];
  L->n = 0;
  if (v->run) {
    json_t *g = json_object_get(v->run, "grid");
    add(L, "strata %s %s | %s pid %lld | %lld ranks, grid %lldx%lld | %lld samples x %lld features, %lld views",
        str(v->run, "command"), str(v->run, "version"), str(v->run, "host"), integer(v->run, "pid"),
        integer(v->run, "ranks"), (long long)json_integer_value(json_array_get(g, 0)),
        (long long)json_integer_value(json_array_get(g, 1)), integer(v->run, "nobs"), integer(v->run, "nvar"),
        integer(v->run, "nviews"));
  } else {
    add(L, "strata run at %s (no run_start seen yet)", v->endpoint);
  }
  add(L, "elapsed %s | last event %s ago, heartbeat %.0fs ago | %lld events%s", fmt_time(v->info.elapsed, a, sizeof a),
      fmt_time(strata_wtime() - v->info.last_event, b, sizeof b), strata_wtime() - v->info.last_msg,
      v->info.events, v->info.dropped ? " (some dropped: the monitor fell behind)" : "");
  phase_lines(v, L);
  if (v->iteration) {
    json_t *it = v->iteration;
    add(L, "%-14s %.10g   change %.3g   (iteration %lld of %s)", "objective", num(it, "objective"),
        num(it, "change"), integer(it, "iter"), str(it, "phase"));
    stats_line(L, it, "compute", "compute/iter", 0);
    stats_line(L, it, "comm", "comm/iter", 0);
    stats_line(L, it, "mem_hwm", "memory (HWM)", 1);
  }
  if (v->checkpoint)
    add(L, "%-14s %s at iteration %lld", "checkpoint", str(v->checkpoint, "path"), integer(v->checkpoint, "iteration"));
  if (v->info.warnings) add(L, "%-14s %lld, last: %s", "warnings", v->info.warnings, str(v->last_warning, "message"));
  if (v->run_end)
    add(L, "run ended: %s (exit %lld)%s%s", str(v->run_end, "status"), integer(v->run_end, "exit_code"),
        str(v->run_end, "message")[0] ? ": " : "", str(v->run_end, "message"));
}

static void draw(strata_mview_t *v, int force) {
  double now = strata_wtime();
  if (!force && now - v->last_draw < 0.1) return;
  v->last_draw = now;
  lines_t L;
  build_view(v, &L);
  /* lines cut to the terminal's width: a wrapped line would break the cursor arithmetic */
  struct winsize ws;
  int cols = ioctl(fileno(v->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 ? ws.ws_col - 1 : 255;
  /* back to the top of what we drew last time, then overwrite line by line */
  if (v->drawn_lines) fprintf(v->out, "\033[%dA", v->drawn_lines);
  for (int i = 0; i < L.n; i++) fprintf(v->out, "\r%.*s\033[K\n", cols, L.text[i]);
  for (int i = L.n; i < v->drawn_lines; i++) fprintf(v->out, "\033[K\n");
  if (L.n < v->drawn_lines) fprintf(v->out, "\033[%dA", v->drawn_lines - L.n);
  v->drawn_lines = L.n;
  fflush(v->out);
}

/* one line per event for logs and pipes; iterations at most once per `every` seconds */
static void plain_line(strata_mview_t *v, const char *type, json_t *m, double now) {
  char a[32], b[32];
  FILE *out = v->out;
  if (strcmp(type, "run_start") == 0) {
    json_t *g = json_object_get(m, "grid");
    fprintf(out, "run_start strata %s %s on %s pid %lld, %lld ranks (grid %lldx%lld), %lld samples x %lld features, %lld views\n",
            str(m, "command"), str(m, "version"), str(m, "host"), integer(m, "pid"), integer(m, "ranks"),
            (long long)json_integer_value(json_array_get(g, 0)), (long long)json_integer_value(json_array_get(g, 1)),
            integer(m, "nobs"), integer(m, "nvar"), integer(m, "nviews"));
  } else if (strcmp(type, "phase_begin") == 0) {
    fprintf(out, "phase %s begins\n", str(m, "phase"));
  } else if (strcmp(type, "phase_end") == 0) {
    fprintf(out, "phase %s done in %s\n", str(m, "phase"), fmt_time(num(m, "seconds"), a, sizeof a));
  } else if (strcmp(type, "iteration") == 0) {
    if (v->last_plain_iter > 0 && now - v->last_plain_iter < v->every) return;
    v->last_plain_iter = now;
    json_t *c = json_object_get(m, "compute"), *mem = json_object_get(m, "mem_hwm");
    char obj[32] = "-", chg[32] = "-";
    if (isfinite(num(m, "objective"))) snprintf(obj, sizeof obj, "%.10g", num(m, "objective"));
    if (isfinite(num(m, "change"))) snprintf(chg, sizeof chg, "%.3g", num(m, "change"));
    fprintf(out, "%s %lld/%lld objective %s change %s eta %s slowest rank %lld (%.3gs) memory max %s\n",
            str(m, "phase"), integer(m, "iter"), integer(m, "max_iter"), obj, chg,
            fmt_time(num(m, "eta"), a, sizeof a), integer(c, "max_rank"), num(c, "max"),
            fmt_bytes(num(mem, "max"), b, sizeof b));
  } else if (strcmp(type, "warning") == 0) {
    fprintf(out, "warning: %s\n", str(m, "message"));
  } else if (strcmp(type, "checkpoint") == 0) {
    fprintf(out, "checkpoint %s at iteration %lld\n", str(m, "path"), integer(m, "iteration"));
  } else if (strcmp(type, "run_end") == 0) {
    fprintf(out, "run_end %s (exit %lld) after %s%s%s\n", str(m, "status"), integer(m, "exit_code"),
            fmt_time(num(m, "elapsed"), a, sizeof a), str(m, "message")[0] ? ": " : "", str(m, "message"));
  }
  fflush(out);
}

/* ------------------------------------------------------------------------------------------ */
/* the public functions */

int strata_monitor_status_for_exit(long long code) {
  static const int map[] = {STRATA_OK, STRATA_ERR_USAGE, STRATA_ERR_INPUT, STRATA_ERR_IO,
                            STRATA_ERR_NUMERIC, STRATA_ERR_INTERNAL, STRATA_INTERRUPTED};
  return code >= 0 && code <= 6 ? map[code] : STRATA_ERR_INTERNAL;
}

int strata_monitor_schema_ok(const char *s) {
  size_t n = strlen(STRATA_EVENTS_SCHEMA_NAME);
  if (!s || strncmp(s, STRATA_EVENTS_SCHEMA_NAME, n) != 0) return 0;
  char *end = NULL;
  long major = strtol(s + n, &end, 10);
  return end != s + n && major == STRATA_EVENTS_SCHEMA_MAJOR && (*end == '\0' || *end == '.');
}

int strata_mview_create(const char *endpoint, strata_mview_mode_t mode, double every, FILE *out,
                        strata_mview_t **view) {
  int st = STRATA_OK;
  strata_mview_t *v = NULL;
  STRATA_CALLOC(v, 1);
  v->mode = mode;
  v->out = out ? out : stdout;
  v->every = every;
  snprintf(v->endpoint, sizeof v->endpoint, "%s", endpoint ? endpoint : "");
  v->info.last_msg = v->info.last_event = strata_wtime();
  v->last_plain_iter = -1e30;
cleanup:
  *view = v;
  return st;
}

void strata_mview_destroy(strata_mview_t **view) {
  strata_mview_t *v = *view;
  if (!v) return;
  json_decref(v->run);
  json_decref(v->iteration);
  json_decref(v->checkpoint);
  json_decref(v->last_warning);
  json_decref(v->run_end);
  free(v);
  *view = NULL;
}

const strata_mview_info_t *strata_mview_info(const strata_mview_t *view) { return &view->info; }

void strata_mview_print(strata_mview_t *v) {
  lines_t L;
  build_view(v, &L);
  for (int i = 0; i < L.n; i++) fprintf(v->out, "%s\n", L.text[i]);
  fflush(v->out);
}

/* A schema-valid message: fold it into the state and show it. */
static strata_mview_kind_t apply_message(strata_mview_t *v, json_t *m, double now) {
  strata_mview_kind_t kind = STRATA_MVIEW_HEARTBEAT;
  const char *type = str(m, "type");
  double el = num(m, "elapsed");
  if (isfinite(el)) v->info.elapsed = el;
  if (strcmp(type, "snapshot") == 0) {
    kind = STRATA_MVIEW_SNAPSHOT;
    int first = !v->info.snapshots++;
    apply_snapshot(v, m);
    if (v->info.last_seq < integer(m, "last_seq")) v->info.last_seq = integer(m, "last_seq");
    if (first && v->mode == STRATA_MVIEW_LINES && v->run && v->info.events == 0) {
      fprintf(v->out, "state at %s:\n", v->endpoint); /* a late joiner starts from the state so far */
      strata_mview_print(v);
    }
  } else if (strcmp(type, "heartbeat") != 0) {
    kind = STRATA_MVIEW_EVENT;
    count_seq(&v->info, type, integer(m, "seq"));
    v->info.events++;
    v->info.last_event = now;
    apply_event(v, type, m);
    if (v->mode == STRATA_MVIEW_LINES) plain_line(v, type, m, now);
  }
  v->info.ended = v->run_end != NULL;
  v->info.exit_code = integer(v->run_end, "exit_code");
  if (v->mode == STRATA_MVIEW_LIVE)
    draw(v, kind != STRATA_MVIEW_HEARTBEAT && strcmp(type, "iteration") != 0);
  return kind;
}

int strata_mview_receive(strata_mview_t *v, const char *msg, double now, strata_mview_kind_t *kind) {
  int st = STRATA_OK;
  json_error_t jerr;
  json_t *m = json_loads(msg, 0, &jerr);
  const char *schema = json_string_value(json_object_get(m, "schema"));
  *kind = STRATA_MVIEW_NOT_JSON;
  if (!json_is_object(m))
    STRATA_FAIL(STRATA_ERR_INPUT, "%s sent a message that is not a JSON object (%s): not a strata run?", v->endpoint,
                jerr.text);
  *kind = STRATA_MVIEW_BAD_SCHEMA;
  if (!strata_monitor_schema_ok(schema))
    STRATA_FAIL(STRATA_ERR_INPUT, "%s speaks schema '%s'; this strata monitor understands %s (use a matching strata)",
                v->endpoint, schema ? schema : "(none)", STRATA_EVENTS_SCHEMA);
  v->info.messages++;
  v->info.last_msg = now;
  *kind = apply_message(v, m, now);
cleanup:
  json_decref(m);
  return st;
}

void strata_mview_idle(strata_mview_t *v) {
  if (v->mode == STRATA_MVIEW_LIVE && v->info.messages) draw(v, 0);
}

void strata_mview_follow(strata_mview_t *v, const char *endpoint, double now) {
  snprintf(v->endpoint, sizeof v->endpoint, "%s", endpoint);
  v->info.last_msg = now;
  v->info.last_seq = 0;
}

int strata_mview_check_alive(const strata_mview_t *v, double now, double timeout) {
  int st = STRATA_OK;
  if (now - v->info.last_msg <= timeout) return STRATA_OK;
  if (!v->info.messages)
    STRATA_FAIL(STRATA_ERR_IO,
                "no message from %s within %gs: is the run started with --monitor, are the "
                "endpoint and the CURVE keys right?", v->endpoint, timeout);
  STRATA_FAIL(STRATA_ERR_IO,
              "the run has gone silent: no heartbeat from %s for %gs (killed, hung or network "
              "down); last event seq %lld", v->endpoint, timeout, v->info.last_seq);
cleanup:
  return st;
}

int strata_mview_run_status(const strata_mview_t *v) {
  int st = STRATA_OK;
  long long code = integer(v->run_end, "exit_code");
  if (v->run_end && code != 0)
    STRATA_FAIL(strata_monitor_status_for_exit(code), "the run ended with exit code %lld (%s)%s%s", code,
                str(v->run_end, "status"), str(v->run_end, "message")[0] ? ": " : "", str(v->run_end, "message"));
cleanup:
  return st;
}
