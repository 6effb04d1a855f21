/* Progress channel over real sockets (tcp://127.0.0.1, ephemeral ports), at any rank count:
 * every event from subscription onward arrives in order with contiguous seq numbers and the
 * right content (per-rank spread checked against hand-computed values), a late joiner gets the
 * state in a snapshot, the endpoint file names the bound endpoint and disappears at the end,
 * CURVE admits the authorised client and nobody else, and --monitor values are parsed/refused. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "check.h"
#include "strata/events.h"
#include "strata/monitor.h"
#include "strata/util.h"

static int rank, P;

/* rank 0: wait until the publisher has seen n subscriptions (bounded) */
static void wait_subscribers(strata_events_t *ev, int n) {
  double t0 = strata_wtime();
  while (strata_ev_subscribers(ev) < n && strata_wtime() - t0 < 10) usleep(5000);
  T_CHECK(strata_ev_subscribers(ev) >= n, "publisher saw %d subscriptions, want %d", strata_ev_subscribers(ev), n);
}

/* receive until a message of `type` arrives (others are skipped); NULL on timeout */
static json_t *recv_type(strata_subscriber_t *sub, const char *type, double timeout) {
  double t0 = strata_wtime();
  while (strata_wtime() - t0 < timeout) {
    char *msg = NULL;
    if (strata_subscriber_recv(sub, 100, &msg) != STRATA_OK) return NULL;
    if (!msg) continue;
    json_t *m = json_loads(msg, 0, NULL);
    free(msg);
    if (m && strcmp(json_string_value(json_object_get(m, "type")), type) == 0) return m;
    json_decref(m);
  }
  return NULL;
}

static double jnum(json_t *o, const char *path1, const char *path2) {
  json_t *v = json_object_get(o, path1);
  if (path2) v = json_object_get(v, path2);
  return json_number_value(v);
}

static void test_parse(void) {
  char buf[256];
  int conn = -1;
  T_CHECK(strata_monitor_parse_endpoint("5555", buf, sizeof buf, &conn) == STRATA_OK &&
              strcmp(buf, "tcp://127.0.0.1:5555") == 0 && conn == 0, "PORT -> loopback, got %s", buf);
  T_CHECK(strata_monitor_parse_endpoint(":0", buf, sizeof buf, &conn) == STRATA_OK &&
              strcmp(buf, "tcp://127.0.0.1:0") == 0, ":0 -> loopback, got %s", buf);
  T_CHECK(strata_monitor_parse_endpoint("connect:tcp://login1:7000", buf, sizeof buf, &conn) == STRATA_OK &&
              strcmp(buf, "tcp://login1:7000") == 0 && conn == 1, "connect: prefix");
  T_CHECK(strata_monitor_parse_endpoint("udp://x:1", buf, sizeof buf, &conn) == STRATA_ERR_USAGE, "udp refused");
  strata_err_clear();
  T_CHECK(strata_monitor_parse_endpoint("tcp://127.0.0.1", buf, sizeof buf, &conn) == STRATA_ERR_USAGE,
          "missing port refused");
  strata_err_clear();
  T_CHECK(strata_monitor_parse_endpoint("99999", buf, sizeof buf, &conn) == STRATA_ERR_USAGE &&
              strata_monitor_parse_endpoint("-1", buf, sizeof buf, &conn) == STRATA_ERR_USAGE &&
              strata_monitor_parse_endpoint("99999999999999999999", buf, sizeof buf, &conn) == STRATA_ERR_USAGE,
          "port out of range refused");
  strata_err_clear();
  /* what counts as local: the numeric forms ZMQ_LAST_ENDPOINT reports (hand-listed) */
  static const struct {
    const char *ep;
    int local;
  } cases[] = {{"tcp://127.0.0.1:5555", 1}, {"tcp://127.255.3.4:1", 1},   {"tcp://[::1]:5555", 1},
               {"tcp://[::ffff:127.0.0.1]:9", 1}, {"ipc:///tmp/x", 1},    {"inproc://x", 1},
               {"tcp://0.0.0.0:5555", 0},     {"tcp://[::]:5555", 0},     {"tcp://10.0.0.1:5555", 0},
               {"tcp://128.0.0.1:5555", 0},   {"tcp://126.255.255.255:1", 0}, {"tcp://[::2]:1", 0},
               {"tcp://[::ffff:10.0.0.1]:1", 0}, {"tcp://localhost:1", 0}, {"tcp://127.0.0.1", 0},
               {"tcp://[::1:1", 0},           {"udp://127.0.0.1:1", 0},   {"", 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    T_CHECK(strata_monitor_endpoint_is_local(cases[i].ep) == cases[i].local, "is_local('%s') should be %d",
            cases[i].ep, cases[i].local);
  T_CHECK(strata_monitor_endpoint_is_local(NULL) == 0, "NULL is not local");
  /* NULL object: every call is a no-op */
  strata_ev_run_start(NULL, "x", 1, 1, 1, 1, 1);
  strata_ev_phase_begin(NULL, "x", 1);
  strata_ev_iteration(NULL, "x", 1, 1, 0, 0, 0, 0);
  strata_ev_warning(NULL, "x");
  strata_ev_checkpoint(NULL, "x", 1);
  strata_ev_phase_end(NULL, "x");
  strata_ev_run_end(NULL, 0, 0);
  strata_events_destroy(NULL);
}

static void test_stream(MPI_Comm comm) {
  char file[64], ep[512] = "";
  snprintf(file, sizeof file, "test_events.np%d.endpoint", P);
  strata_events_opts_t opts = {.endpoint = "tcp://127.0.0.1:0", .endpoint_file = file};
  strata_events_t *ev = NULL;
  int st = strata_agree(comm, strata_events_create(comm, &opts, &ev));
  T_CHECK(st == STRATA_OK, "create: %s", strata_err_msg());
  strata_subscriber_t *sub = NULL, *late = NULL;
  if (rank == 0) {
    T_CHECK(strata_monitor_read_endpoint(file, ep, sizeof ep) == STRATA_OK, "endpoint file readable");
    T_CHECK(strcmp(ep, strata_ev_endpoint(ev)) == 0, "file holds %s, bound %s", ep, strata_ev_endpoint(ev));
    T_CHECK(strncmp(ep, "tcp://127.0.0.1:", 16) == 0 && strcmp(ep, "tcp://127.0.0.1:0") != 0,
            "port 0 resolved on loopback: %s", ep);
    T_CHECK(strata_subscriber_create(ep, 0, NULL, &sub) == STRATA_OK, "subscriber");
    wait_subscribers(ev, 1);
  }
  MPI_Barrier(comm);
  const int N = 100;
  strata_ev_run_start(ev, "test", 10, 20, 2, P, 1);
  strata_ev_phase_begin(ev, "solve", N);
  for (int it = 1; it <= N; it++) {
    strata_ev_iteration(ev, "solve", it, N, 1.0 / it, it > 1 ? 1.0 / it : NAN, rank + 1.0, 0.5 * rank);
    if (it == 50) {
      strata_ev_warning(ev, "w %d", it);
      strata_ev_checkpoint(ev, "ck.h5", it);
    }
    if (it == 60) { /* a late joiner gets the state so far */
      MPI_Barrier(comm);
      if (rank == 0) {
        T_CHECK(strata_subscriber_create(ep, 0, NULL, &late) == STRATA_OK, "late subscriber");
        wait_subscribers(ev, 2);
        json_t *snap = recv_type(late, "snapshot", 10);
        T_CHECK(snap != NULL, "late joiner got a snapshot");
        if (snap) {
          T_CHECK(strcmp(json_string_value(json_object_get(json_object_get(snap, "run"), "command")), "test") == 0,
                  "snapshot has run_start");
          T_CHECK(jnum(snap, "iteration", "iter") == 60, "snapshot has the last iteration (%g)",
                  jnum(snap, "iteration", "iter"));
          T_CHECK(json_array_size(json_object_get(snap, "open_phases")) == 1, "one open phase");
          T_CHECK(jnum(snap, "checkpoint", "iteration") == 50, "snapshot has the checkpoint");
          T_CHECK(jnum(snap, "warnings", NULL) == 1, "snapshot counts the warning");
          T_CHECK(jnum(snap, "last_seq", NULL) == 64, "last_seq %g (run_start, phase_begin, 60 it, warning, checkpoint)",
                  jnum(snap, "last_seq", NULL));
        }
        json_decref(snap);
      }
      MPI_Barrier(comm);
    }
  }
  strata_ev_phase_end(ev, "solve");
  strata_ev_run_end(ev, STRATA_OK, 0);
  if (rank == 0) T_CHECK(strata_ev_dropped(ev) == 0, "no event dropped");
  strata_events_destroy(&ev);
  T_CHECK(ev == NULL, "destroy nulls the pointer");
  if (rank != 0) return;
  T_CHECK(access(file, F_OK) != 0, "endpoint file removed at the end");
  /* the first subscriber: every event, in order, right content */
  int64_t want = 1, iters = 0;
  double expect_med = P % 2 ? (P + 1) / 2 : (P / 2 + P / 2 + 1) / 2.0;
  for (;;) {
    char *msg = NULL;
    if (strata_subscriber_recv(sub, 5000, &msg) != STRATA_OK || !msg) break;
    json_t *m = json_loads(msg, 0, NULL);
    free(msg);
    T_CHECK(m && strcmp(json_string_value(json_object_get(m, "schema")), STRATA_EVENTS_SCHEMA) == 0, "schema tag");
    const char *type = json_string_value(json_object_get(m, "type"));
    if (!json_object_get(m, "seq")) { /* heartbeat or snapshot */
      json_decref(m);
      continue;
    }
    int64_t seq = json_integer_value(json_object_get(m, "seq"));
    T_CHECK(seq == want, "seq %lld, expected %lld (%s)", (long long)seq, (long long)want, type);
    want = seq + 1;
    if (strcmp(type, "iteration") == 0) {
      iters++;
      T_CHECK(jnum(m, "iter", NULL) == iters, "iteration %lld in order", (long long)iters);
      T_CHECK(jnum(m, "objective", NULL) == 1.0 / iters, "objective exact");
      T_CHECK(jnum(m, "compute", "min") == 1 && jnum(m, "compute", "max") == P &&
                  jnum(m, "compute", "median") == expect_med && jnum(m, "compute", "max_rank") == P - 1,
              "compute spread min 1 median %g max %d at rank %d", expect_med, P, P - 1);
      T_CHECK(jnum(m, "comm", "max") == 0.5 * (P - 1) && jnum(m, "comm", "min") == 0, "comm spread");
      T_CHECK(jnum(m, "mem_hwm", "min") > 0, "memory high-water reported");
      T_CHECK(jnum(m, "eta", NULL) >= 0, "ETA present");
      if (iters == 1) T_CHECK(json_is_null(json_object_get(m, "change")), "NaN change published as null");
    }
    if (strcmp(type, "run_end") == 0) {
      T_CHECK(jnum(m, "exit_code", NULL) == 0, "run_end exit code");
      json_decref(m);
      break;
    }
    json_decref(m);
  }
  T_CHECK(iters == N, "%lld of %d iterations arrived", (long long)iters, N);
  T_CHECK(want == N + 7, "all %d events arrived (last seq %lld)", N + 6, (long long)want - 1);
  strata_subscriber_destroy(&sub);
  strata_subscriber_destroy(&late);
}

static void test_curve(MPI_Comm comm) {
  char a[64] = "/tmp/strata-curveA-XXXXXX", b[64] = "/tmp/strata-curveB-XXXXXX", c[64] = "/tmp/strata-curveC-XXXXXX";
  int ok = 1;
  if (rank == 0) {
    ok = mkdtemp(a) && mkdtemp(b) && mkdtemp(c) && strata_monitor_keygen(a) == STRATA_OK &&
         strata_monitor_keygen(b) == STRATA_OK && strata_monitor_keygen(c) == STRATA_OK;
    /* C: the right server key but a client key the run does not list */
    char from[128], to[128];
    snprintf(from, sizeof from, "%s/server.pub", a);
    snprintf(to, sizeof to, "%s/server.pub", c);
    FILE *fi = fopen(from, "r"), *fo = fopen(to, "w");
    char line[64] = "";
    ok = ok && fi && fo && fgets(line, sizeof line, fi) && fputs(line, fo) >= 0;
    if (fi) fclose(fi);
    if (fo) fclose(fo);
    T_CHECK(ok, "key directories created");
  }
  MPI_Bcast(a, sizeof a, MPI_CHAR, 0, comm);
  char file[64];
  snprintf(file, sizeof file, "test_curve.np%d.endpoint", P); /* np runs may share the directory */
  strata_events_opts_t opts = {.endpoint = "tcp://127.0.0.1:0", .curve_dir = a, .endpoint_file = file};
  strata_events_t *ev = NULL;
  int st = strata_agree(comm, strata_events_create(comm, &opts, &ev));
  T_CHECK(st == STRATA_OK, "create with CURVE: %s", strata_err_msg());
  strata_subscriber_t *good = NULL, *wrong_server = NULL, *unlisted = NULL, *plain = NULL;
  if (rank == 0) {
    const char *ep = strata_ev_endpoint(ev);
    T_CHECK(strata_subscriber_create(ep, 0, a, &good) == STRATA_OK, "good subscriber");
    T_CHECK(strata_subscriber_create(ep, 0, b, &wrong_server) == STRATA_OK, "wrong-server subscriber");
    T_CHECK(strata_subscriber_create(ep, 0, c, &unlisted) == STRATA_OK, "unlisted-client subscriber");
    T_CHECK(strata_subscriber_create(ep, 0, NULL, &plain) == STRATA_OK, "plaintext subscriber");
    wait_subscribers(ev, 1);
  }
  MPI_Barrier(comm);
  strata_ev_run_start(ev, "curve", 1, 1, 1, P, 1);
  for (int it = 1; it <= 5; it++) strata_ev_iteration(ev, "solve", it, 5, it, 0, 0, 0);
  if (rank == 0) {
    json_t *m = recv_type(good, "run_start", 10);
    T_CHECK(m != NULL, "authorised client receives events");
    json_decref(m);
    usleep(1500000); /* a heartbeat is due within this time: nobody else may see anything */
    char *msg = NULL;
    T_CHECK(strata_subscriber_recv(wrong_server, 500, &msg) == STRATA_OK && !msg, "wrong server key: nothing");
    free(msg);
    msg = NULL;
    T_CHECK(strata_subscriber_recv(unlisted, 500, &msg) == STRATA_OK && !msg, "unlisted client key: nothing");
    free(msg);
    msg = NULL;
    T_CHECK(strata_subscriber_recv(plain, 500, &msg) == STRATA_OK && !msg, "no keys: nothing");
    free(msg);
    T_CHECK(strata_ev_subscribers(ev) == 1, "only one subscription admitted (%d)", strata_ev_subscribers(ev));
  }
  strata_ev_run_end(ev, STRATA_OK, 0);
  strata_events_destroy(&ev);
  strata_subscriber_destroy(&good);
  strata_subscriber_destroy(&wrong_server);
  strata_subscriber_destroy(&unlisted);
  strata_subscriber_destroy(&plain);
  if (rank == 0) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s %s", a, b, c);
    T_CHECK(system(cmd) == 0, "cleanup");
  }
}

/* --events-jsonl alone: the actor runs without a socket and logs every event in order */
static void test_jsonl_only(MPI_Comm comm) {
  char path[64];
  snprintf(path, sizeof path, "test_events.np%d.jsonl", P);
  if (rank == 0) remove(path);
  strata_events_opts_t opts = {.jsonl = path};
  strata_events_t *ev = NULL;
  int st = strata_agree(comm, strata_events_create(comm, &opts, &ev));
  T_CHECK(st == STRATA_OK, "create with --events-jsonl only: %s", strata_err_msg());
  T_CHECK(strata_ev_endpoint(ev) == NULL && strata_ev_endpoint_file(ev) == NULL, "no socket, no endpoint file");
  strata_ev_run_start(ev, "jsonl", 1, 1, 1, P, 1);
  for (int it = 1; it <= 20; it++) strata_ev_iteration(ev, "solve", it, 20, 2.0 * it, 0, rank, 0);
  /* an idle publisher thread sleeps: over 2.5 s (past the 1 s heartbeat deadline) the process
   * uses far less than a core (a publisher spinning on a stale deadline used all of one) */
  struct timespec c0, c1;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  usleep(2500000);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  double cpu = (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec);
  T_CHECK(cpu < 0.5, "idle publisher with --events-jsonl only used %.2f CPU s in 2.5 s", cpu);
  strata_ev_run_end(ev, STRATA_ERR_NUMERIC, 4);
  strata_events_destroy(&ev);
  if (rank != 0) return;
  FILE *f = fopen(path, "r");
  T_CHECK(f != NULL, "jsonl file written");
  char line[4096];
  int n = 0, inorder = 1;
  json_t *last = NULL;
  while (f && fgets(line, sizeof line, f)) {
    json_decref(last);
    last = json_loads(line, 0, NULL);
    n++;
    if (jnum(last, "seq", NULL) != n) inorder = 0;
    if (n >= 2 && n <= 21) T_CHECK(jnum(last, "objective", NULL) == 2.0 * (n - 1), "objective of iteration %d", n - 1);
  }
  if (f) fclose(f);
  T_CHECK(n == 22 && inorder, "%d lines in seq order (want 22)", n);
  T_CHECK(last && jnum(last, "exit_code", NULL) == 4 &&
              strcmp(json_string_value(json_object_get(last, "status")), strata_status_name(STRATA_ERR_NUMERIC)) == 0,
          "run_end carries status and exit code");
  json_decref(last);
  remove(path);
}

/* A bind other hosts can reach, without CURVE, fails on rank 0 and every rank agrees on the
 * usage error; the decision is on the address bound, so every spelling of the wildcard is
 * caught (0, 0x0, 0.0.0.00 are what inet_aton accepts for 0.0.0.0).  [::] cannot bind at all
 * with ZeroMQ's IPv6 off: an I/O error with ZeroMQ's reason, never "Success". */
static void test_refused(MPI_Comm comm) {
  static const char *wild[] = {"tcp://*:0", "tcp://0.0.0.0:0", "tcp://0:0", "tcp://0x0:0", "tcp://0.0.0.00:0",
                               "tcp://[::]:0", "tcp://[::0]:0"};
  for (size_t i = 0; i < sizeof wild / sizeof wild[0]; i++) {
    strata_events_opts_t opts = {.endpoint = wild[i]};
    strata_events_t *ev = NULL;
    int st0 = strata_events_create(comm, &opts, &ev);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", strata_err_msg());
    int st = strata_agree(comm, st0);
    if (strchr(wild[i], '[')) {
      T_CHECK(st == STRATA_ERR_IO || st == STRATA_ERR_USAGE, "%s: refused or not bound on every rank (%d)", wild[i], st);
      if (rank == 0)
        T_CHECK(strstr(msg, "Success") == NULL && strstr(msg, wild[i]) != NULL, "%s: the real reason: %s", wild[i], msg);
    } else {
      T_CHECK(st == STRATA_ERR_USAGE, "%s: refused on every rank (%d)", wild[i], st);
      if (rank == 0)
        T_CHECK(strstr(msg, wild[i]) && strstr(msg, "0.0.0.0") && strstr(msg, "--monitor-curve") &&
                    strstr(msg, "127.0.0.1"),
                "%s: message names the value, the address bound and both fixes: %s", wild[i], msg);
    }
    T_CHECK(ev != NULL, "inert object returned for the collective destroy");
    T_CHECK(strata_ev_endpoint(ev) == NULL && strata_ev_endpoint_file(ev) == NULL, "%s: nothing published", wild[i]);
    strata_ev_iteration(ev, "x", 1, 1, 0, 0, 0, 0); /* must not hang: nobody gathers */
    strata_events_destroy(&ev);
    strata_err_clear();
  }
}

int main(int argc, char **argv) {
  int provided;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm comm;
  MPI_Comm_dup(MPI_COMM_WORLD, &comm);
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &P);
  test_parse();
  test_stream(comm);
  test_curve(comm);
  test_jsonl_only(comm);
  test_refused(comm);
  int rc = strata_test_finish();
  MPI_Comm_free(&comm);
  MPI_Finalize();
  return rc;
}
