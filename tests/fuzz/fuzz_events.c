/* libFuzzer harness: the event messages `strata monitor` reads (schema strata.events/1,
 * docs/events.md) and everything it does with one: cli/cmd_monitor.c parses each received
 * frame with jansson, checks the schema tag, folds events and snapshots into its view state
 * (apply_event / apply_snapshot), prints plain lines and renders the live view (build_view).
 * Those are static functions of the command with no socket-free entry point, so this file
 * includes cmd_monitor.c itself and feeds its functions the way its receive loop (run()) does,
 * one message per input line, all lines of an input in one view (a stream, as a subscriber
 * sees it).  No flag byte: an input is a JSON-lines file, like `--events-jsonl` writes.
 * Oracle: no crash, no sanitizer report, no leak (jansson references are counted). */
#include "cli/cmd_monitor.c"

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  fuzz_init();
  return 0;
}

/* What run() does with one received message (without the socket, the --jsonl copy and the
 * exit on run_end); returns 1 when the message was a strata event the monitor accepts. */
static int handle(view_t *v, const char *msg, int tty) {
  json_error_t jerr;
  json_t *m = json_loads(msg, 0, &jerr);
  if (!json_is_object(m) || !schema_ok(json_string_value(json_object_get(m, "schema")))) {
    json_decref(m);
    return 0; /* the monitor refuses such a message (and names it) */
  }
  const char *type = str(m, "type");
  double el = num(m, "elapsed");
  if (isfinite(el)) v->elapsed = el;
  if (strcmp(type, "snapshot") == 0) {
    v->snapshots++;
    apply_snapshot(v, m);
    if (v->last_seq < integer(m, "last_seq")) v->last_seq = integer(m, "last_seq");
    print_state(v);
  } else if (strcmp(type, "heartbeat") != 0) {
    count_seq(v, type, integer(m, "seq"));
    v->events++;
    apply_event(v, type, m);
    if (!tty) plain_line(v, type, m);
  }
  if (tty) draw(v, 1);
  if (v->run_end) (void)status_for_exit(integer(v->run_end, "exit_code"));
  json_decref(m);
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = malloc(size + 1);
  if (!buf) return 0;
  memcpy(buf, data, size);
  buf[size] = '\0';
  view_t v;
  memset(&v, 0, sizeof v);
  v.plain_every = 0; /* every iteration line */
  v.endpoint = "tcp://127.0.0.1:1";
  v.last_plain_iter = -1e30;
  int tty = size & 1; /* inputs of odd length render the live view, the others plain lines */
  for (char *line = buf, *next; line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    handle(&v, line, tty);
  }
  print_state(&v);
  json_decref(v.run);
  json_decref(v.iteration);
  json_decref(v.checkpoint);
  json_decref(v.last_warning);
  json_decref(v.run_end);
  free(buf);
  return 0;
}
