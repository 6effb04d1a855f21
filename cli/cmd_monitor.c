/* strata monitor: watch a run's progress channel (ZeroMQ, schema strata.events/1) from another
 * terminal or a login node: a live view redrawn in place on a terminal, plain lines otherwise,
 * every message logged with --jsonl.  A plain process: it needs no ranks and publishes nothing.
 * This file is the options, the receive loop and the exit code; the socket and key handling
 * live in monitor/channel.c, the run's state and its rendering in monitor/view.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "strata/monitor.h"
#include "strata/monitor_view.h"
#include "strata/util.h"

typedef struct monitor_opts {
  int once, plain, bind;
  const char *file, *endpoint, *curve, *jsonl, *keygen;
  double timeout, every;
} monitor_opts_t;

static int parse_options(int argc, char **argv, monitor_opts_t *o) {
  int st = STRATA_OK;
  static const struct option longopts[] = {
      {"file", required_argument, 0, 'f'},  {"endpoint", required_argument, 0, 'e'},
      {"bind", required_argument, 0, 'b'},  {"curve", required_argument, 0, 'c'},
      {"jsonl", required_argument, 0, 'j'}, {"once", no_argument, 0, 'o'},
      {"timeout", required_argument, 0, 't'}, {"plain", no_argument, 0, 'p'},
      {"keygen", required_argument, 0, 'k'}, {"every", required_argument, 0, 'E'},
      {0, 0, 0, 0}};
  memset(o, 0, sizeof *o);
  o->timeout = 10.0;
  o->every = 1.0;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
    case 'f': o->file = optarg; break;
    case 'e': o->endpoint = optarg; break;
    case 'b': o->endpoint = optarg; o->bind = 1; break;
    case 'c': o->curve = optarg; break;
    case 'j': o->jsonl = optarg; break;
    case 'o': o->once = 1; break;
    case 'p': o->plain = 1; break;
    case 'k': o->keygen = optarg; break;
    case 't': STRATA_CHECK(strata_cli_double("--timeout", optarg, 0.1, 1e7, &o->timeout)); break;
    case 'E': STRATA_CHECK(strata_cli_double("--every", optarg, 0, 1e7, &o->every)); break;
    default:
      return strata_cli_usage("unknown option '%s'", argv[optind - 1]);
    }
  }
  if (optind < argc) return strata_cli_usage("unexpected argument '%s'", argv[optind]);
cleanup:
  return st;
}

/* The endpoint to subscribe to: --bind's (normalised), --endpoint's, or the one the run wrote
 * to --file (waiting up to --timeout for the file to appear). */
static int find_endpoint(const monitor_opts_t *o, char *ep, size_t n) {
  int st = STRATA_OK, connect = 0;
  double start = strata_wtime();
  if (o->endpoint && o->bind) {
    if (strncmp(o->endpoint, "connect:", 8) == 0) STRATA_FAIL(STRATA_ERR_USAGE, "--bind takes an endpoint, not connect:");
    STRATA_CHECK(strata_monitor_parse_endpoint(o->endpoint, ep, n, &connect));
  } else if (o->endpoint) {
    snprintf(ep, n, "%s", o->endpoint);
  } else {
    /* the run may not have written its endpoint file yet: wait for it within the timeout */
    while (access(o->file, F_OK) != 0 && strata_wtime() - start < o->timeout) usleep(100000);
    STRATA_CHECK(strata_monitor_read_endpoint(o->file, ep, n));
  }
cleanup:
  return st;
}

/* Silent with --file: a requeued or restarted run writes a new endpoint to the same file.  If it
 * names another endpoint, subscribe there instead and set *moved. */
static int follow_file(const monitor_opts_t *o, char *ep, size_t n, strata_subscriber_t **sub,
                       strata_mview_t *view, double now, int *moved) {
  int st = STRATA_OK;
  char ep2[512];
  *moved = 0;
  if (access(o->file, F_OK) != 0 || strata_monitor_read_endpoint(o->file, ep2, sizeof ep2) != STRATA_OK ||
      strcmp(ep2, ep) == 0) {
    strata_err_clear();
    return STRATA_OK;
  }
  snprintf(ep, n, "%s", ep2);
  strata_subscriber_destroy(sub);
  STRATA_CHECK(strata_subscriber_create(ep, 0, o->curve, sub));
  strata_mview_follow(view, strata_subscriber_endpoint(*sub), now);
  *moved = 1;
cleanup:
  return st;
}

static int run(strata_cli_t *cli, int argc, char **argv) {
  int st = STRATA_OK, got_run_end = 0;
  long long bad = 0; /* --bind: malformed messages ignored */
  monitor_opts_t o;
  char ep[512], *msg = NULL;
  FILE *jsonl = NULL;
  strata_subscriber_t *sub = NULL;
  strata_mview_t *view = NULL;
  STRATA_CHECK(parse_options(argc, argv, &o));
  if (cli->rank != 0) goto cleanup; /* a monitor is one process; extra ranks just wait */
  if (o.keygen) {
    STRATA_CHECK(strata_monitor_keygen(o.keygen));
    printf("CURVE keys written to %s/: run with --monitor-curve %s, watch with strata monitor --curve %s\n",
           o.keygen, o.keygen, o.keygen);
    goto cleanup;
  }
  if (!!o.file + !!o.endpoint == 0 || (o.file && o.endpoint && !o.bind))
    STRATA_FAIL(STRATA_ERR_USAGE, "give one of --file F, --endpoint EP or --bind EP");
  STRATA_CHECK(find_endpoint(&o, ep, sizeof ep));
  if (o.jsonl && !(jsonl = fopen(o.jsonl, "w")))
    STRATA_FAIL(STRATA_ERR_IO, "--jsonl: cannot open '%s': %s", o.jsonl, strerror(errno));
  STRATA_CHECK(strata_subscriber_create(ep, o.bind, o.curve, &sub));
  const char *bound = strata_subscriber_endpoint(sub);
  if (o.bind) {
    fprintf(stderr, "strata monitor: listening on %s (start the run with --monitor connect:%s)\n", bound, bound);
    if (o.file) STRATA_CHECK(strata_monitor_write_endpoint(o.file, bound));
  }
  int tty = !o.plain && !o.once && isatty(STDOUT_FILENO);
  STRATA_CHECK(strata_mview_create(bound, o.once ? STRATA_MVIEW_QUIET : tty ? STRATA_MVIEW_LIVE : STRATA_MVIEW_LINES,
                                   o.every, stdout, &view));
  const strata_mview_info_t *info = strata_mview_info(view);
  double last_check = 0;
  for (;;) {
    if (strata_signal_which())
      STRATA_FAIL(STRATA_ERR_IO, "stopped by signal %d", strata_signal_which());
    free(msg);
    msg = NULL;
    STRATA_CHECK(strata_subscriber_recv(sub, 200, &msg));
    double now = strata_wtime();
    if (!msg) {
      if (o.file && !o.bind && now - info->last_msg > 2.5 * STRATA_MONITOR_HEARTBEAT && now - last_check > 1.0) {
        int moved = 0;
        last_check = now;
        STRATA_CHECK(follow_file(&o, ep, sizeof ep, &sub, view, now, &moved));
        if (moved) {
          if (!tty) printf("%s now names %s: following the restarted run\n", o.file, ep);
          continue;
        }
      }
      STRATA_CHECK(strata_mview_check_alive(view, now, o.timeout));
      strata_mview_idle(view);
      continue;
    }
    strata_mview_kind_t kind;
    int rc = strata_mview_receive(view, msg, now, &kind);
    if (rc != STRATA_OK && o.bind) {
      /* a bound monitor hears whoever connects: a stray or hostile message must not end it
       * (and its exit code stands for the run's), so it is counted and dropped */
      strata_err_clear();
      if (bad++ == 0 || cli->verbosity >= 2)
        fprintf(stderr, "strata monitor: ignored a malformed message on %s (%s)\n", strata_subscriber_endpoint(sub),
                kind == STRATA_MVIEW_NOT_JSON ? "not a JSON object" : "not schema " STRATA_EVENTS_SCHEMA);
      continue;
    }
    STRATA_CHECK(rc);
    if (jsonl) {
      fputs(msg, jsonl);
      fputc('\n', jsonl);
      fflush(jsonl);
    }
    if (o.once && (kind == STRATA_MVIEW_SNAPSHOT || info->ended)) {
      strata_mview_print(view);
      got_run_end = kind != STRATA_MVIEW_SNAPSHOT;
      break;
    }
    if (info->ended) {
      got_run_end = 1;
      break;
    }
  }
  if (got_run_end) STRATA_CHECK(strata_mview_run_status(view));
cleanup:
  if (bad) fprintf(stderr, "strata monitor: %lld malformed message%s ignored\n", bad, bad == 1 ? "" : "s");
  free(msg);
  if (jsonl) fclose(jsonl);
  strata_mview_destroy(&view);
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
