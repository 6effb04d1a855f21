/* The progress channel seen from outside a run: the wire schema tag, the endpoint file, CURVE
 * key files, and a subscriber (what `strata monitor` and the tests use).  The publishing side
 * is strata/events.h.  Nothing here is collective; nothing here needs MPI.
 *
 * Wire format: one ZeroMQ frame per message, a JSON object with "schema": "strata.events/1"
 * and "type"; events carry a "seq" number (1, 2, 3, ... per run), heartbeats and snapshots a
 * "last_seq".  See docs/events.md and docs/events.schema.json. */
#ifndef STRATA_MONITOR_H
#define STRATA_MONITOR_H
#include <stddef.h>
#include <mpi.h>

#include "strata/error.h"
#include "strata/events.h"

/* The schema tag every message carries.  A reader accepts the same major version only. */
#define STRATA_EVENTS_SCHEMA "strata.events/1"
#define STRATA_EVENTS_SCHEMA_NAME "strata.events/"
#define STRATA_EVENTS_SCHEMA_MAJOR 1

/* Heartbeat period of a publisher, and how often it repeats the full snapshot (seconds). */
#define STRATA_MONITOR_HEARTBEAT 1.0
#define STRATA_MONITOR_SNAPSHOT_EVERY 10.0

/* Write `endpoint` and a newline to `path` atomically (temporary name, then rename).
 * Returns STRATA_OK or STRATA_ERR_IO with a message naming the file. */
STRATA_NODISCARD int strata_monitor_write_endpoint(const char *path, const char *endpoint);
/* Read the first line of an endpoint file into buf.  STRATA_ERR_IO if it cannot be opened,
 * STRATA_ERR_INPUT if it holds no endpoint. */
STRATA_NODISCARD int strata_monitor_read_endpoint(const char *path, char *buf, size_t bufsize);

/* CURVE key directory (created by strata_monitor_keygen, mode 0700):
 *   server.key / server.pub    the run's key pair (Z85 text, 40 characters)
 *   client.key / client.pub    a monitor's key pair
 *   authorized_keys            client public keys allowed to subscribe, one per line, # comments
 * A run started with --monitor-curve DIR encrypts and only accepts clients listed in
 * DIR/authorized_keys; `strata monitor --curve DIR` uses DIR/client.* and DIR/server.pub.
 * Secret key files readable by group or others are refused (like ssh). */
STRATA_NODISCARD int strata_monitor_keygen(const char *dir);
/* Load a Z85 key (40 characters) from DIR/NAME into key[41].  `secret` = 1 also checks that
 * the file is not readable by group or others.  STRATA_ERR_IO / STRATA_ERR_INPUT on failure. */
STRATA_NODISCARD int strata_monitor_load_key(const char *dir, const char *name, int secret,
                                             char key[41]);

/* A subscriber to a run's progress: connects to a publishing run (bind = 0) or binds and waits
 * for a run started with --monitor connect:EP (bind = 1; port 0 = ephemeral).  curve_dir may be
 * NULL.  Subscribes to every message.  Sets *out; destroy with strata_subscriber_destroy. */
typedef struct strata_subscriber strata_subscriber_t;
STRATA_NODISCARD int strata_subscriber_create(const char *endpoint, int bind, const char *curve_dir,
                                              strata_subscriber_t **out);
/* The actual endpoint (after resolving port 0 when binding). */
const char *strata_subscriber_endpoint(const strata_subscriber_t *sub);
/* Wait up to timeout_ms (-1 = forever) for one message.  On success *msg is a NUL-terminated
 * copy the caller frees, or NULL on timeout.  Returns STRATA_OK or STRATA_ERR_IO. */
STRATA_NODISCARD int strata_subscriber_recv(strata_subscriber_t *sub, int timeout_ms, char **msg);
/* NULL-safe; sets *sub to NULL; never waits for the peer (linger 0). */
void strata_subscriber_destroy(strata_subscriber_t **sub);

/* Normalise a --monitor value: "PORT" or ":PORT" -> tcp://127.0.0.1:PORT; a leading "connect:"
 * selects connect mode (*connect = 1).  Only the syntax is checked here: whether a bind may
 * listen where it does is decided after binding (strata_monitor_check_bound).
 * STRATA_ERR_USAGE with a message on a bad value. */
STRATA_NODISCARD int strata_monitor_parse_endpoint(const char *value, char *buf, size_t bufsize,
                                                   int *connect);

/* 1 if an endpoint as ZeroMQ reports it after a bind (ZMQ_LAST_ENDPOINT: a numeric address)
 * can only be reached from this host: tcp:// on 127.0.0.0/8, ::1 or ::ffff:127.x.y.z, and
 * ipc:// or inproc://.  0 for everything else, including 0.0.0.0, [::], any other address and
 * any text that is not a numeric address. */
int strata_monitor_endpoint_is_local(const char *endpoint);

/* After a successful zmq_bind on sock (a ZeroMQ socket): read the address actually bound
 * (ZMQ_LAST_ENDPOINT) into bound[boundsize].  Without CURVE (curve = 0) an address other hosts
 * can reach (strata_monitor_endpoint_is_local() == 0) is unbound again and refused with
 * STRATA_ERR_USAGE; the message names the option `what` ("--monitor", "--bind"), the value
 * asked for, the address bound and the two fixes (bind 127.0.0.1, or CURVE).  The decision is
 * on the bound address, so every spelling of the wildcard (*, 0, 0x0, 0.0.0.00, [::]) and every
 * host name or interface with a public address is caught.  Not collective. */
STRATA_NODISCARD int strata_monitor_check_bound(void *sock, int curve, const char *what, const char *asked,
                                                char *bound, size_t boundsize);

/* ---- the publisher: the ZeroMQ / JSON-lines sink of the events hook (strata/events.h) ---- */

typedef struct strata_events_opts {
  const char *endpoint;       /* --monitor: "tcp://127.0.0.1:0" (bind, port 0 = ephemeral),
                                 "connect:tcp://host:port" (connect to a binding monitor), or NULL */
  const char *endpoint_file;  /* --monitor-file: where to write the actual endpoint, or NULL */
  const char *curve_dir;      /* --monitor-curve: directory with CURVE key files, or NULL */
  const char *jsonl;          /* --events-jsonl: also append every event to this file, or NULL */
  int progress;               /* print a progress line per iteration on stderr (rank 0) */
} strata_events_opts_t;

/* Collective over comm.  strata_events_new with, on rank 0, the publisher as sink: an actor
 * thread (monitor/actor.c) when opts->endpoint or opts->endpoint_file is set (the latter alone
 * binds tcp://127.0.0.1:0) or opts->jsonl is set; otherwise only local progress printing.
 * When binding, rank 0 writes the actual endpoint to opts->endpoint_file (when set; the command
 * line supplies a default name) atomically, and removes it again in strata_events_destroy.  A
 * bind that other hosts could reach is refused (STRATA_ERR_USAGE) unless opts->curve_dir is set
 * (strata_monitor_check_bound).  Sets *out, also on failure (an object without the publisher
 * that must still be destroyed collectively); the status is rank 0's (agree it). */
STRATA_NODISCARD int strata_events_create(MPI_Comm comm, const strata_events_opts_t *opts,
                                          strata_events_t **out);

/* Rank 0 (not collective): the endpoint actually bound or connected (port 0 resolved) and the
 * endpoint file written, or NULL; subscriptions currently seen by the publisher; events dropped
 * because the publisher thread fell behind.  For tests and benchmarks; other ranks, and events
 * objects without the publisher, get NULL/0. */
const char *strata_ev_endpoint(const strata_events_t *ev);
const char *strata_ev_endpoint_file(const strata_events_t *ev);
int strata_ev_subscribers(const strata_events_t *ev);
long long strata_ev_dropped(const strata_events_t *ev);

#endif
