#!/usr/bin/env bash
# The progress channel end to end, with real processes on 127.0.0.1 (ephemeral ports only):
# a run (tests/monitor/emitter.c under mpiexec) with an absent, live, stalled (SIGSTOP) or
# killed (SIGKILL) `strata monitor` finishes with the same result and exit code; the monitor
# exits with the run's code, reports a silent run (exit 3), refuses a foreign schema (exit 2),
# works in connect mode and for a late joiner (--once); every message validates against
# docs/events.schema.json.
# usage: cli_test.sh EMITTER FAKE_PUB [SECTION...]   (default: all sections; env from
#        strata_script_test: STRATA_NP, STRATA_BIN, STRATA_MPIEXEC, STRATA_SRC, STRATA_PYTHON)
set -u
EMIT=$1
FAKE=$2
shift 2
SECTIONS=" ${*:-1 2 3 4 5 6 7 8 9 10} "
want() { [[ $SECTIONS == *" $1 "* ]]; }
NP=${STRATA_NP:-1}
S=$STRATA_BIN
PY=${STRATA_PYTHON:-/usr/bin/python3}
SCHEMA=$STRATA_SRC/docs/events.schema.json
CHECK="$PY $STRATA_SRC/tests/monitor/check_events.py $SCHEMA"
export OMPI_MCA_orte_execute_quiet=1
work=$(mktemp -d /tmp/strata-montest.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
nfail=0
npass=0
ok() { echo "ok [${SECONDS}s]: $1"; npass=$((npass + 1)); }
bad() { echo "FAIL [${SECONDS}s]: $1"; nfail=$((nfail + 1)); }
expect() { # expect NAME CONDITION...
  local name=$1; shift
  if "$@"; then ok "$name"; else bad "$name"; fi
}
run() { timeout 120 "$STRATA_MPIEXEC" -n "$NP" "$EMIT" "$@"; }
wait_for() { # wait_for FILE: until it exists and is non-empty (10 s at most)
  for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done
  return 1
}

# the reference: no publisher at all
run --iters 300 > ref.out
expect "reference run exits 0" [ $? -eq 0 ]
if want 3; then run --iters 8000 --n 24 > ref_long.out; fi

if want 1; then
  # 1. absent subscriber: publisher and endpoint file on, nobody listening
  run --monitor tcp://127.0.0.1:0 --monitor-file a.ep --iters 300 --events-jsonl a.jsonl > a.out
  expect "absent subscriber: run exits 0" [ $? -eq 0 ]
  expect "absent subscriber: identical result" cmp -s ref.out a.out
  expect "endpoint file removed at the end" [ ! -e a.ep ]
  $CHECK --from-one --require run_start,phase_begin,phase_end,iteration,warning,checkpoint,run_end a.jsonl
  expect "--events-jsonl: every event, valid, seq 1.. contiguous" [ $? -eq 0 ]
fi

if want 2; then
  # 2. live subscriber from the start: every event in order, monitor exits with the run's code
  run --monitor tcp://127.0.0.1:0 --monitor-file b.ep --iters 300 --sleep-us 3000 --exit 4 \
      --wait-subscriber 30 > b.out &
  p=$!
  "$S" monitor --file b.ep --jsonl b.jsonl --timeout 30 > b.mon 2> b.err
  mrc=$?
  wait $p
  rc=$?
  expect "live subscriber: run exit code kept (4)" [ $rc -eq 4 ]
  expect "live subscriber: identical result" cmp -s ref.out b.out
  expect "monitor exits with the run's exit code (4)" [ $mrc -eq 4 ]
  expect "monitor says how the run ended" grep -q "the run ended with exit code 4" b.err
  expect "plain lines name the phase" grep -q "^phase solve done" b.mon
  $CHECK --from-one --require run_start,phase_begin,phase_end,iteration,warning,checkpoint,run_end,snapshot b.jsonl
  expect "monitor --jsonl: valid, every event from seq 1 in order" [ $? -eq 0 ]
fi

if want 3; then
  # 3. stalled subscriber (SIGSTOP: connected, never reads): the run neither waits nor changes
  run --monitor tcp://127.0.0.1:0 --monitor-file c.ep --iters 8000 --n 24 --wait-subscriber 30 > c.out &
  p=$!
  "$S" monitor --file c.ep --jsonl c.jsonl --timeout 60 > /dev/null 2>&1 &
  m=$!
  wait_for c.jsonl
  kill -STOP $m
  wait $p
  rc=$?
  # the run ended while the subscriber was still stopped: it never waited for it to read
  st=$(ps -o stat= -p $m)
  { kill -KILL $m; wait $m; } 2> /dev/null
  expect "stalled subscriber: run exits 0" [ $rc -eq 0 ]
  expect "stalled subscriber: identical result" cmp -s ref_long.out c.out
  expect "stalled subscriber: still stopped (state '$st') when the run ended" [ "${st:0:1}" = T ]
fi

if want 4; then
  # 4. killed subscriber (SIGKILL mid-run)
  #    (and the endpoint file under its default name, strata-monitor.endpoint outside Slurm)
  run --monitor tcp://127.0.0.1:0 --iters 300 --sleep-us 5000 --wait-subscriber 30 > d.out &
  p=$!
  "$S" monitor --file strata-monitor.endpoint --jsonl d.jsonl --timeout 30 > /dev/null 2>&1 &
  m=$!
  wait_for d.jsonl
  sleep 0.3
  { kill -KILL $m; wait $m; } 2> /dev/null
  wait $p
  expect "killed subscriber: run exits 0" [ $? -eq 0 ]
  expect "killed subscriber: identical result" cmp -s ref.out d.out
  expect "default endpoint file removed at the end" [ ! -e strata-monitor.endpoint ]
fi

if want 5; then
  # 5. late joiner: --once prints the current state from the snapshot and exits 0
  #    and, on a terminal (a pty from script(1)), the view is redrawn in place with a progress bar
  run --monitor tcp://127.0.0.1:0 --monitor-file e.ep --iters 60 --sleep-us 50000 > e.out &
  p=$!
  wait_for e.ep
  script -qec "$S monitor --file e.ep --timeout 20" /dev/null > e.tty 2>&1 &
  t=$!
  sleep 1
  "$S" monitor --file e.ep --once > e.mon 2>&1
  expect "late joiner --once exits 0" [ $? -eq 0 ]
  expect "late joiner sees the run and the phase" grep -q "strata emitter" e.mon
  expect "late joiner sees the objective" grep -q "^objective" e.mon
  wait $p
  expect "late joiner: run exits 0" [ $? -eq 0 ]
  wait $t
  expect "terminal view: exits 0 with the run" [ $? -eq 0 ]
  expect "terminal view: redrawn in place" grep -q $'\e\[[0-9]*A' e.tty
  expect "terminal view: progress bar and ETA" grep -q "solve *\[#*\.*\] .*ETA" e.tty
fi

if want 6; then
  # 6. connect mode: the monitor binds, the run connects and every event arrives from seq 1;
  #    with CURVE keys made by strata monitor --keygen (the run is the CURVE server either way)
  "$S" monitor --keygen keys > /dev/null
  expect "--keygen: secret keys are private" [ "$(stat -c %a keys/server.key keys/client.key | sort -u)" = 600 ]
  "$S" monitor --bind tcp://127.0.0.1:0 --file f.ep --curve keys --jsonl f.jsonl --timeout 30 > /dev/null 2> f.err &
  m=$!
  wait_for f.ep
  run --monitor "connect:$(cat f.ep)" --monitor-curve keys --iters 300 --exit 2 > f.out
  rc=$?
  wait $m
  mrc=$?
  expect "connect mode: run exit code kept (2)" [ $rc -eq 2 ]
  expect "connect mode: identical result" cmp -s ref.out f.out
  expect "connect mode: monitor exits 2 like the run" [ $mrc -eq 2 ]
  $CHECK --from-one --require run_start,iteration,run_end f.jsonl
  expect "connect mode: every event from seq 1, valid" [ $? -eq 0 ]
fi

if want 7; then
  # 7. a run that goes silent (all ranks stopped): the monitor says so and exits 3
  # (stopping rank 0 stops its publisher thread too; the other ranks wait in their reduction)
  #  (--monitor-file alone publishes on a free loopback port)
  run --monitor-file g.ep --iters 300 --sleep-us 10000 --pid-file g.pid > g.out &
  p=$!
  wait_for g.ep
  "$S" monitor --file g.ep --jsonl g.jsonl --timeout 2 > /dev/null 2> g.err &
  m=$!
  wait_for g.jsonl
  wait_for g.pid
  kill -STOP "$(cat g.pid)"
  wait $m
  mrc=$?
  kill -CONT "$(cat g.pid)"
  wait $p
  expect "silent run: monitor exits 3" [ $mrc -eq 3 ]
  expect "silent run: monitor says the run went silent" grep -q "gone silent" g.err
  expect "silent run: the run itself still finishes identically" cmp -s ref.out g.out
fi

if want 8; then
  # 8. a restarted run (a requeued job) rewrites the endpoint file: the monitor follows it
  #    (the first run lasts 4 s: it must still be running when the monitor has printed and it is stopped)
  run --monitor-file r.ep --iters 400 --sleep-us 10000 --pid-file r.pid > /dev/null &
  p=$!
  wait_for r.ep
  wait_for r.pid
  "$S" monitor --file r.ep --plain --timeout 20 > r.mon 2> r.err &
  m=$!
  wait_for r.mon
  kill -STOP "$(cat r.pid)"
  run --monitor-file r.ep --iters 500 --sleep-us 10000 --exit 6 > /dev/null
  rc2=$?
  wait $m
  mrc=$?
  kill -CONT "$(cat r.pid)"
  wait $p
  expect "restarted run: monitor follows the new endpoint" grep -q "following the restarted run" r.mon
  expect "restarted run: monitor exits with the new run's code (6)" [ "$mrc" -eq 6 -a "$rc2" -eq 6 ]
fi

if want 9; then
  # 9. a foreign schema version and a non-JSON message are refused (exit 2)
  "$FAKE" h.ep '{"schema":"strata.events/2","type":"heartbeat","last_seq":0}' &
  f=$!
  "$S" monitor --file h.ep --timeout 20 > /dev/null 2> h.err
  expect "schema strata.events/2 refused with exit 2" [ $? -eq 2 ]
  expect "refusal names the schema" grep -q "schema 'strata.events/2'" h.err
  wait $f
  "$FAKE" i.ep 'hello' &
  f=$!
  "$S" monitor --file i.ep --timeout 20 > /dev/null 2> i.err
  expect "non-JSON message refused with exit 2" [ $? -eq 2 ]
  wait $f
fi

if want 10; then
  # 10. misuse
  # (a refused --monitor value on the run side is tested in test_events.c)
  "$S" monitor --file no-such.endpoint --timeout 0.5 > /dev/null 2> k.err
  expect "missing endpoint file: exit 3" [ $? -eq 3 ]
  expect "missing endpoint file named" grep -q "no-such.endpoint" k.err
  "$S" monitor --once > /dev/null 2>&1
  expect "no endpoint given: usage error (exit 1)" [ $? -eq 1 ]
fi

echo "$npass passed, $nfail failed"
[ $nfail -eq 0 ]
