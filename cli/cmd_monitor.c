/* strata monitor: watch a run's progress channel (ZeroMQ, schema strata.events/1) from another
 * terminal or a login node: a live view redrawn in place on a terminal, plain lines otherwise,
 * every message logged with --jsonl.  A plain process: it needs no ranks and publishes nothing.
 * The socket and key handling live in monitor/channel.c; this file is state + rendering. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "strata/monitor.h"
#include "strata/util.h"

enum { MAX_PHASES = 32 };

typedef struct phase_row {
  char name[64];
  int open;
  double seconds;      /* when done */
  long long total;     /* total_steps from phase_begin, 0 if unknown */
  long long iter, max_iter;
} phase_row_t;

typedef struct view {
  json_t *run, *iteration, *checkpoint, *last_warning, *run_end;
  phase_row_t phases[MAX_PHASES];
  int nphases;
  long long warnings, events, dropped, last_seq, snapshots;
  double elapsed;      /* run time reported by the last message */
  double last_msg;     /* strata_wtime() of the last message (heartbeats included) */
  double last_event;   /* ... and of the last event: a long iteration shows here */
  int tty, drawn_lines;
  double last_draw, last_plain_iter;
  double plain_every;  /* --every: seconds between iteration lines in plain mode */
  const char *endpoint;
} view_t;

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

static phase_row_t *phase_row(view_t *v, const char *name) {
  for (int i = v->nphases; i-- > 0;)
    if (strcmp(v->phases[i].name, name) == 0) return &v->phases[i];
  if (v->nphases == MAX_PHASES) { /* keep the most recent phases */
    memmove(v->phases, v->phases + 1, (MAX_PHASES - 1) * sizeof v->phases[0]);
    v->nphases--;
  }
  phase_row_t *p = &v->phases[v->nphases++];
  memset(p, 0, sizeof *p);
  snprintf(p->name, sizeof p->name, "%s", name);
  p->seconds = NAN;
  return p;
}

static void keep(json_t **slot, json_t *o) {
  json_decref(*slot);
  *slot = json_is_object(o) ? json_incref(o) : NULL;
}

static void apply_event(view_t *v, const char *type, json_t *m) {
  if (strcmp(type, "run_start") == 0) {
    keep(&v->run, m);
    v->nphases = 0;
  } else if (strcmp(type, "phase_begin") == 0) {
    phase_row_t *p = phase_row(v, str(m, "phase"));
    p->open = 1;
    p->total = integer(m, "total_steps");
    p->iter = 0;
  } else if (strcmp(type, "phase_end") == 0) {
    phase_row_t *p = phase_row(v, str(m, "phase"));
    p->open = 0;
    p->seconds = num(m, "seconds");
  } else if (strcmp(type, "iteration") == 0) {
    keep(&v->iteration, m);
    phase_row_t *p = phase_row(v, str(m, "phase"));
    p->iter = integer(m, "iter");
    p->max_iter = integer(m, "max_iter");
    if (isnan(p->seconds)) p->open = 1;
  } else if (strcmp(type, "checkpoint") == 0) {
    keep(&v->checkpoint, m);
  } else if (strcmp(type, "warning") == 0) {
    v->warnings++;
    keep(&v->last_warning, m);
  } else if (strcmp(type, "run_end") == 0) {
    keep(&v->run_end, m);
  }
}

/* A snapshot replaces what a late joiner could not see. */
static void apply_snapshot(view_t *v, json_t *m) {
  keep(&v->run, json_object_get(m, "run"));
  v->nphases = 0;
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(m, "done_phases"), i, x) {
    phase_row_t *p = phase_row(v, str(x, "phase"));
    p->open = 0;
    p->seconds = num(x, "seconds");
  }
  json_array_foreach(json_object_get(m, "open_phases"), i, x) apply_event(v, "phase_begin", x);
  json_t *it = json_object_get(m, "iteration");
  if (json_is_object(it)) apply_event(v, "iteration", it);
  keep(&v->checkpoint, json_object_get(m, "checkpoint"));
  keep(&v->last_warning, json_object_get(m, "last_warning"));
  v->warnings = integer(m, "warnings");
  keep(&v->run_end, json_object_get(m, "run_end"));
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

static void build_view(view_t *v, lines_t *L) {
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
  add(L, "elapsed %s | last event %s ago, heartbeat %.0fs ago | %lld events%s", fmt_time(v->elapsed, a, sizeof a),
      fmt_time(strata_wtime() - v->last_event, b, sizeof b), strata_wtime() - v->last_msg, v->events,
      v->dropped ? " (some dropped: the monitor fell behind)" : "");
  for (int i = 0; i < v->nphases; i++) {
    phase_row_t *p = &v->phases[i];
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
  if (v->warnings) add(L, "%-14s %lld, last: %s", "warnings", v->warnings, str(v->last_warning, "message"));
  if (v->run_end)
    add(L, "run ended: %s (exit %lld)%s%s", str(v->run_end, "status"), integer(v->run_end, "exit_code"),
        str(v->run_end, "message")[0] ? ": " : "", str(v->run_end, "message"));
}

static void draw(view_t *v, int force) {
  double now = strata_wtime();
  if (!force && now - v->last_draw < 0.1) return;
  v->last_draw = now;
  lines_t L;
  build_view(v, &L);
  /* lines cut to the terminal's width: a wrapped line would break the cursor arithmetic */
  struct winsize ws;
  int cols = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 ? ws.ws_col - 1 : 255;
  /* back to the top of what we drew last time, then overwrite line by line */
  if (v->drawn_lines) printf("\033[%dA", v->drawn_lines);
  for (int i = 0; i < L.n; i++) printf("\r%.*s\033[K\n", cols, L.text[i]);
  for (int i = L.n; i < v->drawn_lines; i++) printf("\033[K\n");
  if (L.n < v->drawn_lines) printf("\033[%dA", v->drawn_lines - L.n);
  v->drawn_lines = L.n;
  fflush(stdout);
}

static void print_state(view_t *v) {
  lines_t L;
  build_view(v, &L);
  for (int i = 0; i < L.n; i++) printf("%s\n", L.text[i]);
  fflush(stdout);
}

/* one line per event for logs and pipes; iterations at most once per --every seconds */
static void plain_line(view_t *v, const char *type, json_t *m) {
  char a[32], b[32];
  if (strcmp(type, "run_start") == 0) {
    json_t *g = json_object_get(m, "grid");
    printf("run_start strata %s %s on %s pid %lld, %lld ranks (grid %lldx%lld), %lld samples x %lld features, %lld views\n",
           str(m, "command"), str(m, "version"), str(m, "host"), integer(m, "pid"), integer(m, "ranks"),
           (long long)json_integer_value(json_array_get(g, 0)), (long long)json_integer_value(json_array_get(g, 1)),
           integer(m, "nobs"), integer(m, "nvar"), integer(m, "nviews"));
  } else if (strcmp(type, "phase_begin") == 0) {
    printf("phase %s begins\n", str(m, "phase"));
  } else if (strcmp(type, "phase_end") == 0) {
    printf("phase %s done in %s\n", str(m, "phase"), fmt_time(num(m, "seconds"), a, sizeof a));
  } else if (strcmp(type, "iteration") == 0) {
    double now = strata_wtime();
    if (v->last_plain_iter > 0 && now - v->last_plain_iter < v->plain_every) return;
    v->last_plain_iter = now;
    json_t *c = json_object_get(m, "compute"), *mem = json_object_get(m, "mem_hwm");
    char obj[32] = "-", chg[32] = "-";
    if (isfinite(num(m, "objective"))) snprintf(obj, sizeof obj, "%.10g", num(m, "objective"));
    if (isfinite(num(m, "change"))) snprintf(chg, sizeof chg, "%.3g", num(m, "change"));
    printf("%s %lld/%lld objective %s change %s eta %s slowest rank %lld (%.3gs) memory max %s\n",
           str(m, "phase"), integer(m, "iter"), integer(m, "max_iter"), obj, chg,
           fmt_time(num(m, "eta"), a, sizeof a), integer(c, "max_rank"), num(c, "max"),
           fmt_bytes(num(mem, "max"), b, sizeof b));
  } else if (strcmp(type, "warning") == 0) {
    printf("warning: %s\n", str(m, "message"));
  } else if (strcmp(type, "checkpoint") == 0) {
    printf("checkpoint %s at iteration %lld\n", str(m, "path"), integer(m, "iteration"));
  } else if (strcmp(type, "run_end") == 0) {
    printf("run_end %s (exit %lld) after %s%s%s\n", str(m, "status"), integer(m, "exit_code"),
           fmt_time(num(m, "elapsed"), a, sizeof a), str(m, "message")[0] ? ": " : "", str(m, "message"));
  }
  fflush(stdout);
}

/* An event's seq (1, 2, 3, ... per run): a gap is events this monitor missed.  Any value a
 * message carries is taken without overflow (the counts saturate). */
static void count_seq(view_t *v, const char *type, long long seq) {
  if (strcmp(type, "run_start") == 0) v->last_seq = seq > LLONG_MIN ? seq - 1 : seq;
  if (v->last_seq > 0 && seq > v->last_seq && seq - v->last_seq > 1) {
    long long gap = seq - v->last_seq - 1;
    v->dropped = v->dropped > LLONG_MAX - gap ? LLONG_MAX : v->dropped + gap;
  }
  if (seq > v->last_seq) v->last_seq = seq;
}

/* ------------------------------------------------------------------------------------------ */

/* The exit code a finished run reported, as the status main maps back to the same code. */
static int status_for_exit(long long code) {
  static const int map[] = {STRATA_OK, STRATA_ERR_USAGE, STRATA_ERR_INPUT, STRATA_ERR_IO,
                            STRATA_ERR_NUMERIC, STRATA_ERR_INTERNAL, STRATA_INTERRUPTED};
  return code >= 0 && code <= 6 ? map[code] : STRATA_ERR_INTERNAL;
}

/* 0 if the schema tag is one we understand ("strata.events/1" or "strata.events/1.x"). */
static int schema_ok(const char *s) {
  size_t n = strlen(STRATA_EVENTS_SCHEMA_NAME);
  if (!s || strncmp(s, STRATA_EVENTS_SCHEMA_NAME, n) != 0) return 0;
  char *end = NULL;
  long major = strtol(s + n, &end, 10);
  return end != s + n && major == STRATA_EVENTS_SCHEMA_MAJOR && (*end == '\0' || *end == '.');
}

static int run(strata_cli_t *cli, int argc, char **argv) {
  int st = STRATA_OK, once = 0, plain = 0, bind = 0;
  long long bad = 0; /* --bind: malformed messages ignored */
  const char *file = NULL, *endpoint = NULL, *curve = NULL, *jsonl_path = NULL, *keygen = NULL;
  double timeout = 10.0;
  char ep[512];
  FILE *jsonl = NULL;
  strata_subscriber_t *sub = NULL;
  json_t *m = NULL;
  char *msg = NULL;
  view_t v;
  memset(&v, 0, sizeof v);
  v.plain_every = 1.0;
  static const struct option longopts[] = {
      {"file", required_argument, 0, 'f'},  {"endpoint", required_argument, 0, 'e'},
      {"bind", required_argument, 0, 'b'},  {"curve", required_argument, 0, 'c'},
      {"jsonl", required_argument, 0, 'j'}, {"once", no_argument, 0, 'o'},
      {"timeout", required_argument, 0, 't'}, {"plain", no_argument, 0, 'p'},
      {"keygen", required_argument, 0, 'k'}, {"every", required_argument, 0, 'E'},
      {0, 0, 0, 0}};
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
    case 'f': file = optarg; break;
    case 'e': endpoint = optarg; break;
    case 'b': endpoint = optarg; bind = 1; break;
    case 'c': curve = optarg; break;
    case 'j': jsonl_path = optarg; break;
    case 'o': once = 1; break;
    case 'p': plain = 1; break;
    case 'k': keygen = optarg; break;
    case 't': STRATA_CHECK(strata_cli_double("--timeout", optarg, 0.1, 1e7, &timeout)); break;
    case 'E': STRATA_CHECK(strata_cli_double("--every", optarg, 0, 1e7, &v.plain_every)); break;
    default:
      return strata_cli_usage("unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc) return strata_cli_usage("unexpected argument '%s'", argv[optind]);
  if (cli->rank != 0) goto cleanup; /* a monitor is one process; extra ranks just wait */
  if (keygen) {
    STRATA_CHECK(strata_monitor_keygen(keygen));
    printf("CURVE keys written to %s/: run with --monitor-curve %s, watch with strata monitor --curve %s\n",
           keygen, keygen, keygen);
    goto cleanup;
  }
  if (!!file + !!endpoint == 0 || (file && endpoint && !bind))
    STRATA_FAIL(STRATA_ERR_USAGE, "give one of --file F, --endpoint EP or --bind EP");

  double start = strata_wtime();
  if (endpoint) {
    int connect = 0;
    if (bind) {
      if (strncmp(endpoint, "connect:", 8) == 0) STRATA_FAIL(STRATA_ERR_USAGE, "--bind takes an endpoint, not connect:");
      STRATA_CHECK(strata_monitor_parse_endpoint(endpoint, ep, sizeof ep, &connect));
    } else {
      snprintf(ep, sizeof ep, "%s", endpoint);
    }
  } else {
    /* the run may not have written its endpoint file yet: wait for it within the timeout */
    while (access(file, F_OK) != 0 && strata_wtime() - start < timeout) usleep(100000);
    STRATA_CHECK(strata_monitor_read_endpoint(file, ep, sizeof ep));
  }
  if (jsonl_path) {
    jsonl = fopen(jsonl_path, "w");
    if (!jsonl) STRATA_FAIL(STRATA_ERR_IO, "--jsonl: cannot open '%s': %s", jsonl_path, strerror(errno));
  }
  STRATA_CHECK(strata_subscriber_create(ep, bind, curve, &sub));
  v.endpoint = strata_subscriber_endpoint(sub);
  if (bind) {
    fprintf(stderr, "strata monitor: listening on %s (start the run with --monitor connect:%s)\n", v.endpoint, v.endpoint);
    if (file) STRATA_CHECK(strata_monitor_write_endpoint(file, v.endpoint));
  }
  v.tty = !plain && !once && isatty(STDOUT_FILENO);
  v.last_msg = v.last_event = strata_wtime();
  v.last_plain_iter = -1e30;
  int got_any = 0;
  double last_check = 0;
  for (;;) {
    if (strata_signal_which())
      STRATA_FAIL(STRATA_ERR_IO, "stopped by signal %d", strata_signal_which());
    STRATA_CHECK(strata_subscriber_recv(sub, 200, &msg));
    double now = strata_wtime();
    if (!msg) {
      if (file && !bind && now - v.last_msg > 2.5 * STRATA_MONITOR_HEARTBEAT && now - last_check > 1.0) {
        /* silent: a requeued or restarted run writes a new endpoint to the same file */
        char ep2[512];
        last_check = now;
        if (access(file, F_OK) == 0 && strata_monitor_read_endpoint(file, ep2, sizeof ep2) == STRATA_OK &&
            strcmp(ep2, ep) != 0) {
          snprintf(ep, sizeof ep, "%s", ep2);
          strata_subscriber_destroy(&sub);
          STRATA_CHECK(strata_subscriber_create(ep, 0, curve, &sub));
          v.endpoint = strata_subscriber_endpoint(sub);
          v.last_msg = now;
          v.last_seq = 0;
          if (!v.tty) printf("%s now names %s: following the restarted run\n", file, ep);
          continue;
        }
        strata_err_clear();
      }
      if (now - v.last_msg > timeout) {
        if (!got_any)
          STRATA_FAIL(STRATA_ERR_IO,
                      "no message from %s within %gs: is the run started with --monitor, are the "
                      "endpoint and the CURVE keys right?", v.endpoint, timeout);
        STRATA_FAIL(STRATA_ERR_IO,
                    "the run has gone silent: no heartbeat from %s for %gs (killed, hung or network "
                    "down); last event seq %lld", v.endpoint, timeout, v.last_seq);
      }
      if (v.tty && got_any) draw(&v, 0);
      continue;
    }
    json_error_t jerr;
    m = json_loads(msg, 0, &jerr);
    const char *schema = json_string_value(json_object_get(m, "schema"));
    if (bind && (!json_is_object(m) || !schema_ok(schema))) {
      /* a bound monitor hears whoever connects: a stray or hostile message must not end it
       * (and its exit code stands for the run's), so it is counted and dropped */
      if (bad++ == 0 || cli->verbosity >= 2)
        fprintf(stderr, "strata monitor: ignored a malformed message on %s (%s)\n", v.endpoint,
                !json_is_object(m) ? "not a JSON object" : "not schema " STRATA_EVENTS_SCHEMA);
      json_decref(m);
      m = NULL;
      free(msg);
      msg = NULL;
      continue;
    }
    v.last_msg = now;
    got_any = 1;
    if (!json_is_object(m))
      STRATA_FAIL(STRATA_ERR_INPUT, "%s sent a message that is not a JSON object (%s): not a strata run?", v.endpoint, jerr.text);
    if (!schema_ok(schema))
      STRATA_FAIL(STRATA_ERR_INPUT, "%s speaks schema '%s'; this strata monitor understands %s (use a matching strata)",
                  v.endpoint, schema ? schema : "(none)", STRATA_EVENTS_SCHEMA);
    const char *type = str(m, "type");
    if (jsonl) {
      fputs(msg, jsonl);
      fputc('\n', jsonl);
      fflush(jsonl);
    }
    double el = num(m, "elapsed");
    if (isfinite(el)) v.elapsed = el;
    if (strcmp(type, "snapshot") == 0) {
      int first = !v.snapshots++;
      apply_snapshot(&v, m);
      if (v.last_seq < integer(m, "last_seq")) v.last_seq = integer(m, "last_seq");
      if (once) {
        print_state(&v);
        goto cleanup;
      }
      if (first && !v.tty && v.run && v.events == 0) { /* a late joiner starts from the state so far */
        printf("state at %s:\n", v.endpoint);
        print_state(&v);
      }
    } else if (strcmp(type, "heartbeat") != 0) {
      count_seq(&v, type, integer(m, "seq"));
      v.events++;
      v.last_event = now;
      apply_event(&v, type, m);
      if (!v.tty && !once) plain_line(&v, type, m);
    }
    if (v.tty) draw(&v, strcmp(type, "heartbeat") != 0 && strcmp(type, "iteration") != 0);
    if (v.run_end) {
      if (once) print_state(&v);
      long long code = integer(v.run_end, "exit_code");
      if (code != 0)
        STRATA_FAIL(status_for_exit(code), "the run ended with exit code %lld (%s)%s%s", code,
                    str(v.run_end, "status"), str(v.run_end, "message")[0] ? ": " : "", str(v.run_end, "message"));
      goto cleanup;
    }
    json_decref(m);
    m = NULL;
    free(msg);
    msg = NULL;
  }
cleanup:
  if (bad) fprintf(stderr, "strata monitor: %lld malformed message%s ignored\n", bad, bad == 1 ? "" : "s");
  json_decref(m);
  free(msg);
  json_decref(v.run);
  json_decref(v.iteration);
  json_decref(v.checkpoint);
  json_decref(v.last_warning);
  json_decref(v.run_end);
  if (jsonl) fclose(jsonl);
  strata_subscriber_destroy(&sub);
  return st;
}

const strata_cmd_t strata_cmd_monitor = {
    "monitor", "watch a run's progress (phase, objective, ETA, slowest rank, memory)",
    "Usage: strata monitor (--file F | --endpoint EP | --bind EP) [options]\n"
    "       strata monitor --keygen DIR\n"
    "\n"
    "Watch the progress a strata run publishes with --monitor (ZeroMQ, JSON schema\n"
    "strata.events/1, see docs/events.md).  On a terminal the view is redrawn in place\n"
    "(a progress bar per phase, objective, ETA, slowest rank, memory); otherwise one line per\n"
    "event (iterations at most once a second).  Run it as a plain process, without mpirun.\n"
    "\n"
    "Where the run is:\n"
    "  --file F         read the endpoint from F, the file the run writes (--monitor-file; by\n"
    "                   default strata-monitor.<SLURM_JOB_ID>.endpoint or strata-monitor.endpoint\n"
    "                   in the run's working directory); waits up to --timeout for it to appear,\n"
    "                   and follows a restarted (e.g. requeued) run that rewrites it\n"
    "  --endpoint EP    connect to EP, e.g. tcp://node17:40123\n"
    "  --bind EP        bind EP instead (tcp://127.0.0.1:0 = any free port; with --file F the\n"
    "                   actual endpoint is written to F) and wait for a run started with\n"
    "                   --monitor connect:EP.  Without --curve only a loopback address is\n"
    "                   accepted (judged on the address bound: 0.0.0.0, [::], a host name\n"
    "                   with a public address are refused, exit 1).  Messages that are not\n"
    "                   strata events are counted and ignored, never end the monitor\n"
    "  --curve DIR      CURVE encryption and authentication with the keys in DIR (client.key,\n"
    "                   client.pub, server.pub); the run uses --monitor-curve DIR\n"
    "  --keygen DIR     create DIR (mode 0700) with a server and a client key pair and\n"
    "                   authorized_keys listing the client, then exit\n"
    "\n"
    "What to do:\n"
    "  --jsonl FILE     also write every message received (events, snapshots, heartbeats) to\n"
    "                   FILE, one JSON object per line\n"
    "  --once           print the current state (from the run's first snapshot) and exit 0\n"
    "  --plain          one line per event even on a terminal\n"
    "  --every S        in plain mode, at most one iteration line per S seconds (default 1;\n"
    "                   0 = every iteration)\n"
    "  --timeout S      give up when nothing (not even a heartbeat, sent every second) arrives\n"
    "                   for S seconds (default 10)\n"
    "\n"
    "Exit status: the run's own exit code when it ends (0 ok, 2 bad input, 3 I/O, 4 numerical,\n"
    "5 internal, 6 checkpointed and stopped); 3 when the run goes silent for --timeout seconds\n"
    "or the endpoint cannot be reached; 2 when the run it connected to (--file, --endpoint)\n"
    "speaks a schema version this monitor does not understand; 1 on a usage error or an\n"
    "unencrypted --bind that other hosts could reach.\n",
    run};
