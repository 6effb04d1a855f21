/* The publishing actor on rank 0: one thread that owns the XPUB socket (and the ZAP handler when
 * CURVE is on), fed by the solver thread through an inproc PAIR pipe with events it has already
 * serialised.  It publishes them without ever blocking (drop at the high-water mark), logs them
 * to the JSON-lines file, keeps the state a late joiner needs (snapshot) and sends heartbeats.
 * It makes no MPI calls and never touches the strata error record (that is not thread-safe);
 * everything that can fail is set up in strata_actor_start, in the caller's thread. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zmq.h>

#include "monitor/actor.h"
#include "strata/monitor.h"

enum {
  PUB_HWM = 1000,          /* messages queued per subscriber before dropping */
  PUB_LINGER_MS = 1000,    /* how long exit may wait for the last messages to leave */
  PIPE_HWM = 100000,       /* events queued between solver and actor before dropping */
  BACKLOG_MAX = 2000,      /* connect mode: events kept until the monitor's subscription arrives */
  DONE_PHASES_MAX = 64,    /* finished phases remembered for the snapshot */
  OPEN_PHASES_MAX = 16,    /* nested phases remembered for the snapshot */
  MAX_AUTH_KEYS = 256
};

/* One event on the pipe, serialised by the solver thread: the actor never parses it; the few
 * fields the snapshot needs travel beside the text.  The actor frees `text`. */
enum { EV_OTHER, EV_RUN_START, EV_PHASE_BEGIN, EV_PHASE_END, EV_ITERATION, EV_WARNING, EV_CHECKPOINT, EV_RUN_END };
typedef struct pipe_msg {
  char cmd; /* 'E' event, 'T' stop */
  char type;
  json_int_t seq;
  double seconds; /* phase_end */
  char phase[64]; /* phase_begin, phase_end */
  char *text;
} pipe_msg_t;

typedef struct done_phase {
  char name[64];
  double seconds;
} done_phase_t;

struct strata_actor {
  void *ctx, *pipe, *pub, *zap; /* pipe: the solver's end */
  void *apipe;                  /* the actor's end of the pipe */
  pthread_t thread;
  int running;
  int connect;
  FILE *jsonl;
  char endpoint[512];
  char run_id[128];
  double t0;
  atomic_int subscribers;
  atomic_llong dropped;
  uint8_t (*keys)[32]; /* authorized client public keys (CURVE) */
  int nkeys;
  /* actor-thread state: the last event of each kind, as published */
  char *run, *iteration, *checkpoint, *last_warning, *run_end;
  char *open_text[OPEN_PHASES_MAX];
  char open_name[OPEN_PHASES_MAX][64];
  int nopen;
  done_phase_t done[DONE_PHASES_MAX];
  int ndone;
  json_int_t last_seq;
  long long warnings;
  int seen_subscriber;
  char **backlog;
  int nbacklog;
};

/* ------------------------------------------------------------------------------------------ */
/* actor thread */

/* is_event: heartbeats and snapshots are not worth keeping for a monitor that is not there yet */
static void publish(strata_actor_t *a, const char *s, int is_event) {
  if (!a->pub) return;
  if (a->connect && !a->seen_subscriber) {
    /* connect mode: a PUB that connects drops everything until the subscription arrives (the
     * slow-joiner table in TOOLCHAIN.md), so keep the first events for the monitor */
    if (is_event && a->nbacklog < BACKLOG_MAX && (a->backlog[a->nbacklog] = strdup(s))) a->nbacklog++;
    return;
  }
  /* XPUB never blocks with DONTWAIT: at a subscriber's high-water mark it drops for that
   * subscriber only (ZMQ_XPUB_NODROP is off). */
  zmq_send(a->pub, s, strlen(s), ZMQ_DONTWAIT);
}

static json_t *header(strata_actor_t *a, const char *type) {
  double now = strata_monitor_clock();
  return json_pack("{s:s, s:s, s:I, s:f, s:f, s:s}", "schema", STRATA_EVENTS_SCHEMA, "type", type,
                   "last_seq", (json_int_t)a->last_seq, "t", strata_monitor_walltime(), "elapsed",
                   now - a->t0, "run_id", a->run_id);
}

static void send_json(strata_actor_t *a, json_t *o) {
  if (!o) return;
  char *s = json_dumps(o, JSON_COMPACT);
  if (s) publish(a, s, 0);
  free(s);
  json_decref(o);
}

/* a kept event (valid JSON by construction) back as an object, or null */
static json_t *kept(const char *text) {
  json_t *o = text ? json_loads(text, 0, NULL) : NULL;
  return o ? o : json_null();
}

/* Rare (on a subscription and every few seconds), so it may parse what it kept. */
static void send_snapshot(strata_actor_t *a) {
  json_t *o = header(a, "snapshot"), *open = json_array(), *done = json_array();
  if (!o || !open || !done) {
    json_decref(o);
    json_decref(open);
    json_decref(done);
    return;
  }
  for (int i = 0; i < a->nopen; i++) json_array_append_new(open, kept(a->open_text[i]));
  for (int i = 0; i < a->ndone; i++)
    json_array_append_new(done, json_pack("{s:s, s:o}", "phase", a->done[i].name, "seconds",
                                          isfinite(a->done[i].seconds) ? json_real(a->done[i].seconds) : json_null()));
  json_object_set_new(o, "run", kept(a->run));
  json_object_set_new(o, "open_phases", open);
  json_object_set_new(o, "done_phases", done);
  json_object_set_new(o, "iteration", kept(a->iteration));
  json_object_set_new(o, "checkpoint", kept(a->checkpoint));
  json_object_set_new(o, "warnings", json_integer((json_int_t)a->warnings));
  json_object_set_new(o, "last_warning", kept(a->last_warning));
  json_object_set_new(o, "run_end", kept(a->run_end));
  send_json(a, o);
}

/* keep m->text in *slot (taking it over); returns 1 if taken */
static int keep(char **slot, pipe_msg_t *m) {
  free(*slot);
  *slot = m->text;
  return 1;
}

/* Remember what a late joiner needs to draw the current state; returns 1 if m->text was kept. */
static int update_state(strata_actor_t *a, pipe_msg_t *m) {
  if (m->seq > a->last_seq) a->last_seq = m->seq;
  switch (m->type) {
  case EV_RUN_START: return keep(&a->run, m);
  case EV_ITERATION: return keep(&a->iteration, m);
  case EV_CHECKPOINT: return keep(&a->checkpoint, m);
  case EV_RUN_END: return keep(&a->run_end, m);
  case EV_WARNING: a->warnings++; return keep(&a->last_warning, m);
  case EV_PHASE_BEGIN:
    if (a->nopen == OPEN_PHASES_MAX) { /* deeper than anyone nests: forget the outermost */
      free(a->open_text[0]);
      memmove(a->open_text, a->open_text + 1, (OPEN_PHASES_MAX - 1) * sizeof a->open_text[0]);
      memmove(a->open_name, a->open_name + 1, (OPEN_PHASES_MAX - 1) * sizeof a->open_name[0]);
      a->nopen--;
    }
    a->open_text[a->nopen] = m->text;
    memcpy(a->open_name[a->nopen++], m->phase, sizeof m->phase);
    return 1;
  case EV_PHASE_END:
    for (int i = a->nopen; i-- > 0;) {
      if (strcmp(a->open_name[i], m->phase) == 0) {
        free(a->open_text[i]);
        memmove(a->open_text + i, a->open_text + i + 1, (size_t)(a->nopen - i - 1) * sizeof a->open_text[0]);
        memmove(a->open_name + i, a->open_name + i + 1, (size_t)(a->nopen - i - 1) * sizeof a->open_name[0]);
        a->nopen--;
        break;
      }
    }
    if (a->ndone == DONE_PHASES_MAX) {
      memmove(a->done, a->done + 1, (DONE_PHASES_MAX - 1) * sizeof a->done[0]);
      a->ndone--;
    }
    memcpy(a->done[a->ndone].name, m->phase, sizeof m->phase);
    a->done[a->ndone++].seconds = m->seconds;
    return 0;
  default: return 0;
  }
}

static void handle_event(strata_actor_t *a, pipe_msg_t *m) {
  publish(a, m->text, 1);
  if (a->jsonl) {
    /* flushed per line so `tail -f` and a crash both see whole events */
    fputs(m->text, a->jsonl);
    fputc('\n', a->jsonl);
    fflush(a->jsonl);
  }
  if (!update_state(a, m)) free(m->text);
}

/* Read everything waiting on the pipe; returns 1 when the stop command was seen. */
static int drain_pipe(strata_actor_t *a) {
  for (;;) {
    pipe_msg_t m;
    int n = zmq_recv(a->apipe, &m, sizeof m, ZMQ_DONTWAIT);
    if (n < 0) return 0;
    if (n >= 1 && m.cmd == 'T') return 1;
    if (n == (int)sizeof m && m.cmd == 'E') handle_event(a, &m);
  }
}

static void on_subscription(strata_actor_t *a) {
  for (;;) {
    uint8_t buf[256];
    int n = zmq_recv(a->pub, buf, sizeof buf, ZMQ_DONTWAIT);
    if (n < 1) return;
    if (buf[0] == 1) {
      atomic_fetch_add(&a->subscribers, 1);
      if (!a->seen_subscriber) {
        a->seen_subscriber = 1;
        for (int i = 0; i < a->nbacklog; i++) {
          publish(a, a->backlog[i], 1);
          free(a->backlog[i]);
        }
        a->nbacklog = 0;
      }
      /* XPUB_VERBOSE passes every subscription up: the newcomer gets the state at once */
      send_snapshot(a);
    } else if (buf[0] == 0) {
      atomic_fetch_sub(&a->subscribers, 1);
    }
  }
}

/* ZAP (RFC 27): accept CURVE clients whose public key is in authorized_keys. */
static void on_zap(strata_actor_t *a) {
  zmq_msg_t f[8];
  int nf = 0, more = 1;
  while (more && nf < 8) {
    zmq_msg_init(&f[nf]);
    if (zmq_msg_recv(&f[nf], a->zap, ZMQ_DONTWAIT) < 0) {
      zmq_msg_close(&f[nf]);
      break;
    }
    more = zmq_msg_more(&f[nf]);
    nf++;
  }
  while (more) { /* a malformed request with too many frames: discard the rest */
    zmq_msg_t x;
    zmq_msg_init(&x);
    if (zmq_msg_recv(&x, a->zap, 0) < 0) more = 0; else more = zmq_msg_more(&x);
    zmq_msg_close(&x);
  }
  if (nf >= 2) {
    int ok = 0;
    if (nf >= 7 && zmq_msg_size(&f[5]) == 5 && memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0 &&
        zmq_msg_size(&f[6]) == 32) {
      for (int k = 0; k < a->nkeys && !ok; k++) ok = memcmp(zmq_msg_data(&f[6]), a->keys[k], 32) == 0;
    }
    const char *status = ok ? "200" : "400", *text = ok ? "OK" : "client key not authorized";
    zmq_send(a->zap, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(a->zap, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
    zmq_send(a->zap, status, 3, ZMQ_SNDMORE);
    zmq_send(a->zap, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(a->zap, "", 0, ZMQ_SNDMORE);
    zmq_send(a->zap, "", 0, 0);
  }
  for (int i = 0; i < nf; i++) zmq_msg_close(&f[i]);
}

static void *actor_main(void *arg) {
  strata_actor_t *a = arg;
  double next_hb = strata_monitor_clock() + STRATA_MONITOR_HEARTBEAT;
  double next_snap = strata_monitor_clock() + STRATA_MONITOR_SNAPSHOT_EVERY;
  double stop_by = 0;
  int stopping = 0;
  for (;;) {
    zmq_pollitem_t items[3] = {{a->apipe, 0, ZMQ_POLLIN, 0}, {a->pub, 0, ZMQ_POLLIN, 0},
                               {a->zap, 0, ZMQ_POLLIN, 0}};
    int nitems = a->zap ? 3 : a->pub ? 2 : 1;
    double now = strata_monitor_clock();
    double wake = stopping ? stop_by : next_hb;
    long timeout = (long)((wake - now) * 1000.0) + 1;
    if (timeout < 0) timeout = 0;
    if (zmq_poll(items, nitems, timeout) < 0 && errno != EINTR) break;
    if (!stopping && (items[0].revents & ZMQ_POLLIN) && drain_pipe(a)) {
      /* connect mode and the monitor has not subscribed yet: give it a bounded moment so a
       * short run still reaches a monitor that was started for it */
      if (!a->pub || !a->connect || a->seen_subscriber) break;
      stopping = 1;
      stop_by = strata_monitor_clock() + PUB_LINGER_MS / 1000.0;
    }
    if (a->pub && (items[1].revents & ZMQ_POLLIN)) on_subscription(a);
    if (a->zap && (items[2].revents & ZMQ_POLLIN)) on_zap(a);
    now = strata_monitor_clock();
    if (stopping && (a->seen_subscriber || now >= stop_by)) break;
    /* the deadline advances with or without a socket: with only --events-jsonl a stale
     * deadline would turn the poll above into a busy loop */
    if (!stopping && now >= next_hb) {
      if (a->pub && now >= next_snap) {
        send_snapshot(a);
        next_snap = now + STRATA_MONITOR_SNAPSHOT_EVERY;
      } else if (a->pub) {
        send_json(a, header(a, "heartbeat"));
      }
      next_hb = now + STRATA_MONITOR_HEARTBEAT;
    }
  }
  /* close here, in the thread that used them; linger bounds how long the context waits */
  if (a->pub) zmq_close(a->pub);
  if (a->zap) zmq_close(a->zap);
  zmq_close(a->apipe);
  a->pub = a->zap = a->apipe = NULL;
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* caller side */

static int load_authorized(strata_actor_t *a, const char *dir) {
  int st = STRATA_OK;
  char path[4096], line[512];
  snprintf(path, sizeof path, "%s/authorized_keys", dir);
  FILE *f = fopen(path, "r");
  if (!f) STRATA_FAIL(STRATA_ERR_IO, "monitor: cannot open '%s': %s", path, strerror(errno));
  STRATA_CALLOC(a->keys, MAX_AUTH_KEYS);
  for (int lineno = 1; fgets(line, sizeof line, f); lineno++) {
    char *p = line + strspn(line, " \t");
    p[strcspn(p, "\r\n \t")] = '\0';
    if (!*p || *p == '#') continue;
    if (strlen(p) != 40 || !zmq_z85_decode(a->keys[a->nkeys], p))
      STRATA_FAIL(STRATA_ERR_INPUT, "monitor: '%s':%d: not a Z85 CURVE public key", path, lineno);
    if (++a->nkeys == MAX_AUTH_KEYS)
      STRATA_FAIL(STRATA_ERR_INPUT, "monitor: '%s': more than %d keys", path, MAX_AUTH_KEYS - 1);
  }
  if (a->nkeys == 0) STRATA_FAIL(STRATA_ERR_INPUT, "monitor: '%s' lists no client key", path);
cleanup:
  if (f) fclose(f);
  return st;
}

/* "tcp://NAME:PORT" -> "tcp://ADDRESS:PORT" through the resolver (IPv4). 0 on success. */
static int resolve_host(const char *endpoint, char *out, size_t outsize) {
  char host[256];
  const char *h = endpoint + 6, *colon = strrchr(endpoint, ':');
  if (strncmp(endpoint, "tcp://", 6) != 0 || !colon || colon <= h || (size_t)(colon - h) >= sizeof host) return -1;
  memcpy(host, h, (size_t)(colon - h));
  host[colon - h] = '\0';
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res) return -1;
  char ip[INET_ADDRSTRLEN] = "";
  inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, ip, sizeof ip);
  freeaddrinfo(res);
  snprintf(out, outsize, "tcp://%s%s", ip, colon);
  return 0;
}

static int setup_pub(strata_actor_t *a, const strata_actor_cfg_t *cfg) {
  int st = STRATA_OK, one = 1, hwm = PUB_HWM, linger = PUB_LINGER_MS;
  if (cfg->curve_dir) {
    char secret[41];
    if (!zmq_has("curve")) STRATA_FAIL(STRATA_ERR_IO, "--monitor-curve: this ZeroMQ has no CURVE support");
    STRATA_CHECK(strata_monitor_load_key(cfg->curve_dir, "server.key", 1, secret));
    STRATA_CHECK(load_authorized(a, cfg->curve_dir));
    /* the ZAP handler must be bound before any CURVE handshake can start */
    a->zap = zmq_socket(a->ctx, ZMQ_REP);
    if (!a->zap || zmq_bind(a->zap, "inproc://zeromq.zap.01") != 0)
      STRATA_FAIL(STRATA_ERR_IO, "monitor: cannot start the ZAP handler: %s", zmq_strerror(errno));
    a->pub = zmq_socket(a->ctx, ZMQ_XPUB);
    if (!a->pub) STRATA_FAIL(STRATA_ERR_IO, "monitor: zmq_socket: %s", zmq_strerror(errno));
    if (zmq_setsockopt(a->pub, ZMQ_CURVE_SERVER, &one, sizeof one) ||
        zmq_setsockopt(a->pub, ZMQ_CURVE_SECRETKEY, secret, 40) ||
        zmq_setsockopt(a->pub, ZMQ_ZAP_DOMAIN, "strata", 6))
      STRATA_FAIL(STRATA_ERR_IO, "monitor: cannot set CURVE options: %s", zmq_strerror(errno));
  } else {
    a->pub = zmq_socket(a->ctx, ZMQ_XPUB);
    if (!a->pub) STRATA_FAIL(STRATA_ERR_IO, "monitor: zmq_socket: %s", zmq_strerror(errno));
  }
  zmq_setsockopt(a->pub, ZMQ_SNDHWM, &hwm, sizeof hwm);
  zmq_setsockopt(a->pub, ZMQ_LINGER, &linger, sizeof linger);
  zmq_setsockopt(a->pub, ZMQ_XPUB_VERBOSE, &one, sizeof one);
  zmq_setsockopt(a->pub, ZMQ_XPUB_VERBOSER, &one, sizeof one);
  if (cfg->connect) {
    if (zmq_connect(a->pub, cfg->endpoint) != 0)
      STRATA_FAIL(STRATA_ERR_USAGE, "--monitor connect:%s: %s", cfg->endpoint, zmq_strerror(errno));
    snprintf(a->endpoint, sizeof a->endpoint, "%s", cfg->endpoint);
  } else {
    if (zmq_bind(a->pub, cfg->endpoint) != 0) {
      /* ZeroMQ binds to an interface name or an address only: also accept this host's name.
       * The reason is ZeroMQ's own, kept before the resolver can overwrite errno. */
      int e = zmq_errno();
      char resolved[512];
      if (e != ENODEV || resolve_host(cfg->endpoint, resolved, sizeof resolved) != 0)
        STRATA_FAIL(STRATA_ERR_IO, "--monitor: cannot bind '%s': %s%s", cfg->endpoint, zmq_strerror(e),
                    strchr(cfg->endpoint, '[') ? " (IPv6 addresses are not enabled: use an IPv4 address)" : "");
      if (zmq_bind(a->pub, resolved) != 0)
        STRATA_FAIL(STRATA_ERR_IO, "--monitor: cannot bind '%s' (%s): %s", cfg->endpoint, resolved,
                    zmq_strerror(zmq_errno()));
    }
    /* listening without encryption is allowed on loopback only, judged on the address bound */
    STRATA_CHECK(strata_monitor_check_bound(a->pub, cfg->curve_dir != NULL, "--monitor", cfg->endpoint,
                                            a->endpoint, sizeof a->endpoint));
  }
cleanup:
  return st;
}

int strata_actor_start(const strata_actor_cfg_t *cfg, strata_actor_t **out) {
  int st = STRATA_OK, hwm = PIPE_HWM, zero = 0;
  char name[64];
  strata_actor_t *a = NULL;
  *out = NULL;
  STRATA_CALLOC(a, 1);
  a->connect = cfg->connect;
  a->t0 = cfg->t0;
  snprintf(a->run_id, sizeof a->run_id, "%s", cfg->run_id ? cfg->run_id : "");
  STRATA_CALLOC(a->backlog, BACKLOG_MAX);
  a->ctx = zmq_ctx_new();
  if (!a->ctx) STRATA_FAIL(STRATA_ERR_IO, "monitor: zmq_ctx_new: %s", zmq_strerror(errno));
  snprintf(name, sizeof name, "inproc://strata-actor-%p", (void *)a);
  a->pipe = zmq_socket(a->ctx, ZMQ_PAIR);
  a->apipe = zmq_socket(a->ctx, ZMQ_PAIR);
  if (!a->pipe || !a->apipe) STRATA_FAIL(STRATA_ERR_IO, "monitor: zmq_socket: %s", zmq_strerror(errno));
  zmq_setsockopt(a->pipe, ZMQ_SNDHWM, &hwm, sizeof hwm);
  zmq_setsockopt(a->apipe, ZMQ_RCVHWM, &hwm, sizeof hwm);
  zmq_setsockopt(a->pipe, ZMQ_LINGER, &zero, sizeof zero);
  zmq_setsockopt(a->apipe, ZMQ_LINGER, &zero, sizeof zero);
  if (zmq_bind(a->apipe, name) != 0 || zmq_connect(a->pipe, name) != 0)
    STRATA_FAIL(STRATA_ERR_IO, "monitor: cannot create the actor pipe: %s", zmq_strerror(errno));
  if (cfg->endpoint) STRATA_CHECK(setup_pub(a, cfg));
  a->jsonl = cfg->jsonl;
  if (pthread_create(&a->thread, NULL, actor_main, a) != 0) {
    a->jsonl = NULL; /* stays the caller's on failure */
    STRATA_FAIL(STRATA_ERR_IO, "monitor: cannot start the publisher thread");
  }
  a->running = 1;
cleanup:
  if (st) strata_actor_stop(&a);
  *out = a;
  return st;
}

int strata_actor_post(strata_actor_t *a, json_t *ev) {
  static const struct {
    const char *name;
    char type;
  } types[] = {{"run_start", EV_RUN_START},   {"phase_begin", EV_PHASE_BEGIN}, {"phase_end", EV_PHASE_END},
               {"iteration", EV_ITERATION},   {"warning", EV_WARNING},         {"checkpoint", EV_CHECKPOINT},
               {"run_end", EV_RUN_END}};
  pipe_msg_t m;
  memset(&m, 0, sizeof m);
  m.cmd = 'E';
  /* serialise here and free here: the actor only ever sees one string (no cross-thread frees
   * of many small objects, which cost more than the serialisation itself) */
  const char *type = json_string_value(json_object_get(ev, "type"));
  for (size_t i = 0; type && i < sizeof types / sizeof types[0]; i++)
    if (strcmp(type, types[i].name) == 0) m.type = types[i].type;
  m.seq = json_integer_value(json_object_get(ev, "seq"));
  json_t *sec = json_object_get(ev, "seconds");
  m.seconds = json_is_number(sec) ? json_number_value(sec) : NAN;
  const char *phase = json_string_value(json_object_get(ev, "phase"));
  if (phase) snprintf(m.phase, sizeof m.phase, "%s", phase);
  m.text = json_dumps(ev, JSON_COMPACT);
  json_decref(ev);
  if (!a || !m.text || zmq_send(a->pipe, &m, sizeof m, ZMQ_DONTWAIT) < 0) {
    free(m.text);
    if (a) atomic_fetch_add(&a->dropped, 1);
    return 1;
  }
  return 0;
}

const char *strata_actor_endpoint(const strata_actor_t *a) { return a ? a->endpoint : ""; }
int strata_actor_subscribers(const strata_actor_t *a) {
  return a ? atomic_load(&((strata_actor_t *)a)->subscribers) : 0;
}
long long strata_actor_dropped(const strata_actor_t *a) {
  return a ? atomic_load(&((strata_actor_t *)a)->dropped) : 0;
}

void strata_actor_stop(strata_actor_t **ap) {
  if (!ap || !*ap) return;
  strata_actor_t *a = *ap;
  if (a->running) {
    /* blocking send is fine: the actor is alive and drains the pipe */
    pipe_msg_t m;
    memset(&m, 0, sizeof m);
    m.cmd = 'T';
    zmq_send(a->pipe, &m, sizeof m, 0);
    pthread_join(a->thread, NULL);
  } else {
    if (a->pub) zmq_close(a->pub);
    if (a->zap) zmq_close(a->zap);
    if (a->apipe) zmq_close(a->apipe);
  }
  if (a->pipe) zmq_close(a->pipe);
  if (a->ctx) zmq_ctx_term(a->ctx);
  if (a->jsonl) fclose(a->jsonl);
  for (int i = 0; i < a->nbacklog; i++) free(a->backlog[i]);
  free(a->backlog);
  free(a->keys);
  free(a->run);
  free(a->iteration);
  free(a->checkpoint);
  free(a->last_warning);
  free(a->run_end);
  for (int i = 0; i < a->nopen; i++) free(a->open_text[i]);
  free(a);
  *ap = NULL;
}
