/* The monitor's view (monitor/view.c) without sockets: hand-written strata.events/1 messages
 * fed to strata_mview_receive, the state checked against hand-computed values: phases, seq
 * gaps counted as dropped events (gap, stale seq, run_start, follow), a late joiner's snapshot,
 * rejected messages leaving the view unchanged, the plain lines and the printed state compared
 * with hand-written text, the --every throttle, the live view's cursor arithmetic, the silence
 * check, the schema tags accepted and the run's exit code mapped back to a status.
 * Not an MPI test (MPI only for the clock): every rank runs the same checks on its own. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "strata/monitor_view.h"
#include "strata/util.h"

#define EV "{\"schema\":\"strata.events/1\",\"type\":"
#define EP "tcp://127.0.0.1:9"

/* feed one message; returns its kind, checks the status it should have */
static strata_mview_kind_t feed(strata_mview_t *v, const char *msg, double now, int want_st) {
  strata_mview_kind_t kind = STRATA_MVIEW_HEARTBEAT;
  int st = strata_mview_receive(v, msg, now, &kind);
  T_CHECK(st == want_st, "receive(%s): status %d, want %d (%s)", msg, st, want_st, strata_err_msg());
  strata_err_clear();
  return kind;
}

/* the captured output, line `i` (0-based) into buf; 0 if there is no such line */
static int line_of(const char *text, int i, char *buf, size_t n) {
  const char *p = text;
  for (; i > 0 && p; i--) {
    p = strchr(p, '\n');
    if (p) p++;
  }
  if (!p || !*p) return 0;
  size_t len = strcspn(p, "\n");
  snprintf(buf, n, "%.*s", (int)(len < n ? len : n - 1), p);
  return 1;
}

static void expect_line(const char *text, int i, const char *want) {
  char got[512] = "";
  int have = line_of(text, i, got, sizeof got);
  T_CHECK(have && strcmp(got, want) == 0, "line %d:\n  got  '%s'\n  want '%s'", i, have ? got : "(none)", want);
}

/* a view whose output is captured in memory (text, size valid after fflush(out)) */
typedef struct capture {
  char *text;
  size_t size;
  FILE *out;
} capture_t;

static strata_mview_t *captured_view(strata_mview_mode_t mode, double every, capture_t *c) {
  strata_mview_t *v = NULL;
  c->text = NULL;
  c->size = 0;
  c->out = open_memstream(&c->text, &c->size);
  T_CHECK(c->out && strata_mview_create(EP, mode, every, c->out, &v) == STRATA_OK && v, "create a captured view");
  return v;
}

static void capture_close(capture_t *c) {
  if (c->out) fclose(c->out);
  free(c->text);
}

static void test_rules(void) {
  static const struct {
    const char *tag;
    int ok;
  } tags[] = {{"strata.events/1", 1},  {"strata.events/1.0", 1}, {"strata.events/1.17", 1},
              {"strata.events/2", 0},  {"strata.events/10", 0},  {"strata.events/", 0},
              {"strata.events/1x", 0}, {"strata.events/01", 1},  {"strata.event/1", 0},
              {"", 0}};
  for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
    T_CHECK(strata_monitor_schema_ok(tags[i].tag) == tags[i].ok, "schema_ok('%s') should be %d", tags[i].tag, tags[i].ok);
  T_CHECK(strata_monitor_schema_ok(NULL) == 0, "schema_ok(NULL) is 0");
  /* the exit code table of the README: 0 ok, 1 usage, 2 input, 3 I/O, 4 numerical, 5 internal,
   * 6 checkpointed */
  static const int want[] = {STRATA_OK, STRATA_ERR_USAGE, STRATA_ERR_INPUT, STRATA_ERR_IO,
                             STRATA_ERR_NUMERIC, STRATA_ERR_INTERNAL, STRATA_INTERRUPTED};
  for (int c = 0; c <= 6; c++) {
    T_CHECK(strata_monitor_status_for_exit(c) == want[c], "exit %d -> status %d, want %d", c,
            strata_monitor_status_for_exit(c), want[c]);
    T_CHECK(strata_exit_code(strata_monitor_status_for_exit(c)) == c, "exit %d does not map back", c);
  }
  long long odd[] = {-1, 7, 255, LLONG_MAX, LLONG_MIN};
  for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
    T_CHECK(strata_monitor_status_for_exit(odd[i]) == STRATA_ERR_INTERNAL, "exit %lld -> internal", odd[i]);
}

/* A run watched from its start, with events lost on the way. */
static void test_events_with_gaps(void) {
  strata_mview_t *v = NULL;
  T_CHECK(strata_mview_create(EP, STRATA_MVIEW_QUIET, 1.0, stdout, &v) == STRATA_OK && v, "create");
  if (!v) return;
  const strata_mview_info_t *I = strata_mview_info(v);
  T_CHECK(feed(v, EV "\"run_start\",\"seq\":1,\"elapsed\":0.5,\"command\":\"nmf\"}", 10, 0) == STRATA_MVIEW_EVENT,
          "run_start is an event");
  feed(v, EV "\"phase_begin\",\"seq\":2,\"phase\":\"load\",\"total_steps\":null}", 11, 0);
  feed(v, EV "\"phase_end\",\"seq\":3,\"phase\":\"load\",\"seconds\":1.5}", 12, 0);
  feed(v, EV "\"phase_begin\",\"seq\":4,\"phase\":\"fit\",\"total_steps\":100}", 13, 0);
  feed(v, EV "\"iteration\",\"seq\":5,\"phase\":\"fit\",\"iter\":10,\"max_iter\":50}", 14, 0);
  /* 6 and 7 lost */
  feed(v, EV "\"warning\",\"seq\":8,\"message\":\"w1\"}", 15, 0);
  /* 9, 10, 11 lost */
  feed(v, EV "\"iteration\",\"seq\":12,\"phase\":\"fit\",\"iter\":20,\"max_iter\":50,\"elapsed\":7.25}", 16, 0);
  T_CHECK(feed(v, "{\"schema\":\"strata.events/1.3\",\"type\":\"heartbeat\",\"last_seq\":12,\"elapsed\":8}", 17, 0) ==
              STRATA_MVIEW_HEARTBEAT, "heartbeat");
  feed(v, EV "\"warning\",\"seq\":10,\"message\":\"late\"}", 18, 0); /* stale seq: no gap, no rewind */
  feed(v, EV "\"checkpoint\",\"seq\":13,\"path\":\"ck.h5\",\"iteration\":20}", 19, 0);
  T_CHECK(I->messages == 10 && I->events == 9, "messages %lld (want 10), events %lld (want 9)", I->messages, I->events);
  T_CHECK(I->dropped == 5, "dropped %lld, want 2 + 3 = 5", I->dropped);
  T_CHECK(I->last_seq == 13, "last_seq %lld, want 13", I->last_seq);
  T_CHECK(I->warnings == 2, "warnings %lld, want 2", I->warnings);
  T_CHECK(I->elapsed == 8.0, "elapsed %g, want 8 (the heartbeat's)", I->elapsed);
  T_CHECK(I->last_msg == 19 && I->last_event == 19, "clocks %g %g, want 19", I->last_msg, I->last_event);
  T_CHECK(I->nphases == 2, "%d phases, want 2", I->nphases);
  if (I->nphases == 2) {
    const strata_mview_phase_t *a = &I->phases[0], *b = &I->phases[1];
    T_CHECK(strcmp(a->name, "load") == 0 && !a->open && a->seconds == 1.5 && a->total == 0,
            "load: '%s' open %d %gs total %lld", a->name, a->open, a->seconds, a->total);
    T_CHECK(strcmp(b->name, "fit") == 0 && b->open && isnan(b->seconds) && b->total == 100 && b->iter == 20 &&
                b->max_iter == 50, "fit: '%s' open %d %gs total %lld iter %lld/%lld", b->name, b->open, b->seconds,
            b->total, b->iter, b->max_iter);
  }
  T_CHECK(!I->ended && strata_mview_run_status(v) == STRATA_OK, "not ended yet");
  /* the silence check: 10 s after the last message is still alive, past it is an I/O error
   * naming the last seq */
  T_CHECK(strata_mview_check_alive(v, 29, 10) == STRATA_OK, "alive at 10 s");
  T_CHECK(strata_mview_check_alive(v, 29.5, 10) == STRATA_ERR_IO && strstr(strata_err_msg(), "gone silent") &&
              strstr(strata_err_msg(), "last event seq 13"), "silent at 10.5 s: %s", strata_err_msg());
  strata_err_clear();
  /* a restarted run on a new endpoint numbers from 1 again: no gap counted across */
  strata_mview_follow(v, "tcp://127.0.0.1:10", 40);
  T_CHECK(I->last_seq == 0 && I->last_msg == 40, "follow: last_seq %lld, last_msg %g", I->last_seq, I->last_msg);
  feed(v, EV "\"run_start\",\"seq\":1}", 41, 0);
  feed(v, EV "\"phase_begin\",\"seq\":3,\"phase\":\"fit\"}", 42, 0);
  T_CHECK(I->dropped == 6 && I->last_seq == 3 && I->nphases == 1, "after follow: dropped %lld (want 6), last_seq %lld, "
          "%d phases (run_start starts them again)", I->dropped, I->last_seq, I->nphases);
  /* the end: exit code 4 is a numerical failure, with the run's own words */
  feed(v, EV "\"run_end\",\"seq\":4,\"status\":\"numerical\",\"exit_code\":4,\"message\":\"did not converge\"}", 43, 0);
  T_CHECK(I->ended && I->exit_code == 4, "ended %d exit %lld", I->ended, I->exit_code);
  int st = strata_mview_run_status(v);
  T_CHECK(st == STRATA_ERR_NUMERIC && strata_exit_code(st) == 4 &&
              strcmp(strata_err_msg(), "the run ended with exit code 4 (numerical): did not converge") == 0,
          "run status %d: '%s'", st, strata_err_msg());
  strata_err_clear();
  strata_mview_destroy(&v);
  T_CHECK(v == NULL, "destroy clears the pointer");
  strata_mview_destroy(&v); /* NULL-safe */
}

/* Messages a reader must refuse leave the view as it was; a seq past LLONG_MAX saturates. */
static void test_refused(void) {
  strata_mview_t *v = NULL;
  T_CHECK(strata_mview_create(EP, STRATA_MVIEW_QUIET, 1.0, NULL, &v) == STRATA_OK, "create");
  if (!v) return;
  const strata_mview_info_t *I = strata_mview_info(v);
  feed(v, EV "\"run_start\",\"seq\":1}", 1, 0);
  T_CHECK(feed(v, "not json", 2, STRATA_ERR_INPUT) == STRATA_MVIEW_NOT_JSON, "text refused");
  T_CHECK(feed(v, "[1,2]", 2, STRATA_ERR_INPUT) == STRATA_MVIEW_NOT_JSON, "array refused");
  T_CHECK(feed(v, "{\"type\":\"run_end\",\"seq\":2,\"exit_code\":3}", 2, STRATA_ERR_INPUT) ==
              STRATA_MVIEW_BAD_SCHEMA, "no schema refused");
  T_CHECK(feed(v, "{\"schema\":\"strata.events/2\",\"type\":\"run_end\",\"seq\":9}", 2, STRATA_ERR_INPUT) ==
              STRATA_MVIEW_BAD_SCHEMA, "schema 2 refused");
  strata_mview_kind_t kind;
  T_CHECK(strata_mview_receive(v, "{\"schema\":7}", 2, &kind) == STRATA_ERR_INPUT &&
              strstr(strata_err_msg(), EP " speaks schema '(none)'"), "message names the endpoint: %s", strata_err_msg());
  strata_err_clear();
  T_CHECK(I->messages == 1 && I->events == 1 && I->last_seq == 1 && !I->ended && I->last_msg == 1,
          "refused messages changed the view: messages %lld events %lld last_seq %lld ended %d", I->messages,
          I->events, I->last_seq, I->ended);
  feed(v, EV "\"warning\",\"seq\":9223372036854775807}", 3, 0); /* gap LLONG_MAX - 2 after seq 1 */
  T_CHECK(I->dropped == LLONG_MAX - 2 && I->last_seq == LLONG_MAX, "huge gap: dropped %lld last_seq %lld", I->dropped,
          I->last_seq);
  feed(v, EV "\"run_start\",\"seq\":-9223372036854775808}", 4, 0); /* seq - 1 would overflow */
  T_CHECK(I->last_seq == LLONG_MIN, "run_start at LLONG_MIN: last_seq %lld", I->last_seq);
  feed(v, EV "\"run_start\",\"seq\":2}", 4, 0);
  feed(v, EV "\"warning\",\"seq\":9223372036854775807}", 5, 0); /* another LLONG_MAX - 3: saturates */
  T_CHECK(I->dropped == LLONG_MAX && I->last_seq == LLONG_MAX, "saturated: dropped %lld last_seq %lld", I->dropped,
          I->last_seq);
  /* the silence check before anything arrived names the setup, not the run */
  strata_mview_t *w = NULL;
  T_CHECK(strata_mview_create(EP, STRATA_MVIEW_QUIET, 1.0, NULL, &w) == STRATA_OK, "create");
  if (w) {
    double t0 = strata_mview_info(w)->last_msg;
    T_CHECK(strata_mview_check_alive(w, t0 + 11, 10) == STRATA_ERR_IO &&
                strstr(strata_err_msg(), "no message from " EP " within 10s"), "never heard: %s", strata_err_msg());
    strata_err_clear();
  }
  strata_mview_destroy(&w);
  strata_mview_destroy(&v);
}

/* A late joiner in plain mode: the first snapshot prints the state so far, then one line per
 * event; iteration lines at most once per `every` (10 s here). */
static void test_snapshot_and_lines(void) {
  capture_t c;
  strata_mview_t *v = captured_view(STRATA_MVIEW_LINES, 10.0, &c);
  if (!v) {
    capture_close(&c);
    return;
  }
  const strata_mview_info_t *I = strata_mview_info(v);
  const char *snap =
      EV "\"snapshot\",\"last_seq\":40,\"elapsed\":12.0,"
      "\"run\":{\"command\":\"factor\",\"version\":\"0.1.0\",\"host\":\"node1\",\"pid\":42,\"ranks\":4,"
      "\"grid\":[2,2],\"nobs\":100,\"nvar\":2000,\"nviews\":3},"
      "\"done_phases\":[{\"phase\":\"init\",\"seconds\":2.0}],"
      "\"open_phases\":[{\"phase\":\"fit\",\"total_steps\":30}],"
      "\"iteration\":{\"phase\":\"fit\",\"iter\":7,\"max_iter\":30,\"objective\":0.5,\"change\":0.001,\"eta\":65,"
      "\"compute\":{\"min\":0.1,\"median\":0.2,\"max\":0.4,\"max_rank\":3},"
      "\"mem_hwm\":{\"min\":1024,\"median\":1536,\"max\":3145728,\"max_rank\":1}},"
      "\"checkpoint\":{\"path\":\"ck.h5\",\"iteration\":5},"
      "\"warnings\":3,\"last_warning\":{\"message\":\"slow rank\"},\"run_end\":null}";
  T_CHECK(feed(v, snap, 100, 0) == STRATA_MVIEW_SNAPSHOT, "snapshot");
  T_CHECK(I->snapshots == 1 && I->events == 0 && I->last_seq == 40 && I->warnings == 3 && I->elapsed == 12.0,
          "snapshot state: %lld %lld %lld %lld %g", I->snapshots, I->events, I->last_seq, I->warnings, I->elapsed);
  T_CHECK(I->nphases == 2 && !I->phases[0].open && I->phases[0].seconds == 2.0 && I->phases[1].open &&
              I->phases[1].total == 30 && I->phases[1].iter == 7 && I->phases[1].max_iter == 30, "snapshot phases");
  feed(v, EV "\"iteration\",\"seq\":42,\"phase\":\"fit\",\"iter\":8,\"max_iter\":30,\"objective\":0.25,"
              "\"change\":0.5,\"eta\":60,\"compute\":{\"max\":0.4,\"max_rank\":3},\"mem_hwm\":{\"max\":512}}", 100, 0);
  feed(v, EV "\"iteration\",\"seq\":43,\"phase\":\"fit\",\"iter\":9,\"max_iter\":30}", 105, 0);  /* < 10 s: quiet */
  feed(v, EV "\"iteration\",\"seq\":44,\"phase\":\"fit\",\"iter\":10,\"max_iter\":30,\"objective\":null}", 111, 0);
  feed(v, EV "\"warning\",\"seq\":45,\"message\":\"disk almost full\"}", 112, 0);
  feed(v, EV "\"phase_end\",\"seq\":46,\"phase\":\"fit\",\"seconds\":3725.2}", 113, 0);
  feed(v, EV "\"run_end\",\"seq\":47,\"status\":\"ok\",\"exit_code\":0,\"message\":\"\",\"elapsed\":3800}", 114, 0);
  T_CHECK(I->dropped == 1 && I->last_seq == 47 && I->events == 6, "dropped %lld (seq 41), last_seq %lld, events %lld",
          I->dropped, I->last_seq, I->events);
  T_CHECK(I->ended && I->exit_code == 0 && strata_mview_run_status(v) == STRATA_OK, "ended ok");
  fflush(c.out);
  const char *want[] = {
      "state at " EP ":",
      "strata factor 0.1.0 | node1 pid 42 | 4 ranks, grid 2x2 | 100 samples x 2000 features, 3 views",
      NULL, /* elapsed and the clocks: checked below */
      "  init           done    2.0s",
      "  fit            [#######.......................] 7/30  23%  ETA 1m05s",
      "objective      0.5   change 0.001   (iteration 7 of fit)",
      "compute/iter   min 0.1s  median 0.2s  max 0.4s (rank 3)",
      "memory (HWM)   min 1.0 KiB  median 1.5 KiB  max 3.0 MiB (rank 1)",
      "checkpoint     ck.h5 at iteration 5",
      "warnings       3, last: slow rank",
      "fit 8/30 objective 0.25 change 0.5 eta 1m00s slowest rank 3 (0.4s) memory max 512 B",
      "fit 10/30 objective - change - eta ? slowest rank 0 (nans) memory max nan B",
      "warning: disk almost full",
      "phase fit done in 1h02m05s",
      "run_end ok (exit 0) after 1h03m20s"};
  int n = (int)(sizeof want / sizeof want[0]);
  for (int i = 0; i < n; i++)
    if (want[i]) expect_line(c.text, i, want[i]);
  char buf[512];
  T_CHECK(line_of(c.text, 2, buf, sizeof buf) && strncmp(buf, "elapsed 12.0s | last event ", 27) == 0 &&
              strstr(buf, " | 0 events"), "clock line '%s'", buf);
  T_CHECK(!line_of(c.text, n, buf, sizeof buf), "more lines than expected: '%s'", buf);
  /* --once prints the same state on demand, the end included */
  size_t before = c.size;
  strata_mview_print(v);
  fflush(c.out);
  T_CHECK(c.size > before && strstr(c.text + before, "\nrun ended: ok (exit 0)\n"), "print: '%s'", c.text + before);
  strata_mview_destroy(&v);
  capture_close(&c);
}

/* The live view moves the cursor back over exactly what it drew; a snapshot holding run_end
 * ends the run; more than 32 phases keep the latest 32. */
static void test_live_and_phases(void) {
  capture_t c;
  strata_mview_t *v = captured_view(STRATA_MVIEW_LIVE, 1.0, &c);
  if (!v) {
    capture_close(&c);
    return;
  }
  const strata_mview_info_t *I = strata_mview_info(v);
  feed(v, EV "\"run_start\",\"seq\":1}", 1, 0); /* header + clock line */
  fflush(c.out);
  const char *head = "\rstrata   |  pid 0 | 0 ranks, grid 0x0 | 0 samples x 0 features, 0 views\033[K\n\relapsed ";
  T_CHECK(strncmp(c.text, head, strlen(head)) == 0, "first draw: '%s'", c.text);
  size_t first = c.size;
  feed(v, EV "\"phase_begin\",\"seq\":2,\"phase\":\"read\"}", 2, 0);
  fflush(c.out);
  T_CHECK(strncmp(c.text + first, "\033[2A\r", 5) == 0 && strstr(c.text + first, "\r  read           running\033[K\n"),
          "second draw goes 2 lines up and adds the phase: '%s'", c.text + first);
  char name[64], msg[160];
  for (int i = 0; i < 40; i++) {
    snprintf(name, sizeof name, "p%d", i);
    snprintf(msg, sizeof msg, EV "\"phase_begin\",\"seq\":%d,\"phase\":\"%s\"}", 3 + i, name);
    feed(v, msg, 3, 0);
  }
  T_CHECK(I->nphases == STRATA_MVIEW_MAX_PHASES && strcmp(I->phases[0].name, "p8") == 0 &&
              strcmp(I->phases[31].name, "p39") == 0, "41 phases keep p8..p39: %d, first '%s'", I->nphases,
          I->phases[0].name);
  feed(v, EV "\"snapshot\",\"last_seq\":50,\"run_end\":{\"status\":\"checkpointed\",\"exit_code\":6}}", 4, 0);
  T_CHECK(I->nphases == 0 && I->ended && I->exit_code == 6 && strata_mview_run_status(v) == STRATA_INTERRUPTED,
          "snapshot with run_end: %d phases, ended %d, exit %lld", I->nphases, I->ended, I->exit_code);
  strata_err_clear();
  strata_mview_destroy(&v);
  capture_close(&c);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  test_rules();
  test_events_with_gaps();
  test_refused();
  test_snapshot_and_lines();
  test_live_and_phases();
  int rc = strata_test_finish();
  MPI_Finalize();
  return rc;
}
