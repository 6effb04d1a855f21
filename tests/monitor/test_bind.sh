#!/usr/bin/env bash
# The monitor never listens on the network unencrypted (issue 14, item 3), through the real
# commands: `strata simulate --monitor EP` and `strata monitor --bind EP` are refused (exit 1 on
# every rank, a message naming the value, the address bound and the fixes, no output and no
# endpoint file left) when the address ZeroMQ actually bound is not loopback and no CURVE keys
# are given, for every spelling of the wildcard and for this host's public address; [::] gives
# ZeroMQ's reason, not "Success"; with CURVE the same binds are accepted.  A `strata monitor
# --bind` that receives malformed messages counts and ignores them and still exits with the
# run's code.  The default endpoint file is named after SLURM_JOB_ID by the command line.
# usage: test_bind.sh EMITTER FAKE_PUB   (env from strata_script_test: STRATA_NP, STRATA_BIN,
#        STRATA_MPIEXEC)
set -u
EMIT=$1
FAKE=$2
NP=${STRATA_NP:-1}
S=$STRATA_BIN
export OMPI_MCA_orte_execute_quiet=1 OMPI_MCA_odls_base_sigkill_timeout=0
work=$(mktemp -d /tmp/strata-bindtest.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
nfail=0
npass=0
ok() { echo "ok: $1"; npass=$((npass + 1)); }
bad() { echo "FAIL: $1"; nfail=$((nfail + 1)); }
expect() { # expect NAME CONDITION...
  local name=$1; shift
  if "$@"; then ok "$name"; else bad "$name"; fi
}
# every rank's own exit code in rc.R and stderr in err.R (the wrapper exits 0 so that mpirun
# never kills a rank before it has written its code)
per_rank() {
  rm -f rc.* err.*
  timeout 120 "$STRATA_MPIEXEC" -n "$NP" bash -c \
    'r=${OMPI_COMM_WORLD_RANK:-${PMIX_RANK:-0}}; "$@" > /dev/null 2> err.$r; echo $? > rc.$r; exit 0' _ "$@"
}
codes() { cat rc.* 2>/dev/null | sort | uniq -c | awk '{printf "%sx%s ", $1, $2}'; }
leftovers() { ls | grep -v -e '^rc\.' -e '^err\.' -e '^keys$' -e '^sums$' | tr '\n' ' '; }
"$S" monitor --keygen keys > /dev/null || bad "--keygen"
sha256sum keys/* > sums

# this host's first non-loopback IPv4 address, if it has one
public=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+\.' | grep -v '^127\.' | head -1)
eps="tcp://0:0 tcp://0.0.0.00:0 tcp://0x0:0 tcp://*:0 tcp://0.0.0.0:0"
[ -n "$public" ] && eps="$eps tcp://$public:0"
[ -z "$public" ] && echo "note: no non-loopback IPv4 address here: the public-address case is skipped"

for ep in $eps; do
  per_rank "$S" simulate -o sim.h5mu --patients 3 --monitor "$ep"
  expect "--monitor $ep: exit 1 on every rank ($(codes))" [ "$(codes)" = "${NP}x1 " ]
  expect "--monitor $ep: the message names the value, the address bound and both fixes" \
    bash -c "grep -qF -- '--monitor $ep bound tcp://' err.0 &&
             grep -q 'bound tcp://[0-9.]*:[0-9]*, which other hosts can reach, without encryption: refused.*127.0.0.1.*--monitor-curve' err.0"
  expect "--monitor $ep: one message" [ "$(cat err.* | grep -c '^strata simulate:')" -eq 1 ]
  expect "--monitor $ep: nothing written ($(leftovers))" [ -z "$(leftovers)" ]
done

for ep in 'tcp://[::]:0' 'tcp://[::0]:0'; do
  per_rank "$S" simulate -o sim.h5mu --patients 3 --monitor "$ep"
  c=$(codes)
  expect "--monitor $ep: one exit code on every rank, not 0 ($c)" [ "$c" = "${NP}x1 " -o "$c" = "${NP}x3 " ]
  expect "--monitor $ep: the real reason, not 'Success'" \
    bash -c "grep -qF -- '$ep' err.0 && ! grep -q Success err.0"
  expect "--monitor $ep: nothing written ($(leftovers))" [ -z "$(leftovers)" ]
done

# with CURVE the wildcard is allowed (and the written endpoint names this host)
per_rank "$S" simulate -o sim.h5mu --patients 3 --monitor tcp://0:0 --monitor-curve keys --monitor-file w.ep
expect "--monitor tcp://0:0 with CURVE: exit 0 on every rank ($(codes))" [ "$(codes)" = "${NP}x0 " ]
expect "with CURVE: the output is written" [ -s sim.h5mu ]
expect "with CURVE: the endpoint file is removed at the end" [ ! -e w.ep ]
rm -f sim.h5mu
# loopback by name is loopback
per_rank "$S" simulate -o sim.h5mu --patients 3 --monitor tcp://localhost:0
expect "--monitor tcp://localhost:0: exit 0 on every rank ($(codes))" [ "$(codes)" = "${NP}x0 " ]
rm -f sim.h5mu

# the default endpoint file is named by the command line after SLURM_JOB_ID
SLURM_JOB_ID=4242 per_rank "$S" simulate -o sim.h5mu --patients 3 --monitor tcp://127.0.0.1:0
expect "SLURM_JOB_ID: exit 0 ($(codes))" [ "$(codes)" = "${NP}x0 " ]
expect "SLURM_JOB_ID names the default endpoint file" grep -q "strata monitor --file strata-monitor.4242.endpoint" err.0
expect "the default endpoint file is removed at the end" [ ! -e strata-monitor.4242.endpoint ]
rm -f sim.h5mu

# strata monitor --bind: same rule (a plain process)
for ep in tcp://0:0 tcp://0x0:0 ${public:+tcp://$public:0}; do
  "$S" monitor --bind "$ep" --file m.ep --timeout 1 > /dev/null 2> m.err
  expect "monitor --bind $ep: exit 1" [ $? -eq 1 ]
  expect "monitor --bind $ep: names the value and --curve" grep -q -- "--bind $ep bound .*refused.*--curve DIR" m.err
  expect "monitor --bind $ep: no endpoint file" [ ! -e m.ep ]
done
"$S" monitor --bind tcp://0:0 --curve keys --timeout 1 > /dev/null 2> m.err
expect "monitor --bind tcp://0:0 --curve: accepted (then no run: exit 3)" [ $? -eq 3 ]
expect "monitor --bind with CURVE: it listened" grep -q "no message from" m.err

# a bound monitor ignores malformed messages from a stranger, counts them, and follows the run
"$S" monitor --bind tcp://127.0.0.1:0 --file n.ep --plain --timeout 30 > n.out 2> n.err &
m=$!
for _ in $(seq 100); do [ -s n.ep ] && break; sleep 0.1; done
"$FAKE" --connect n.ep 'hello' '{"schema":"strata.events/2","type":"run_end","exit_code":2}' '[1,2]'
expect "stranger sent its messages" [ $? -eq 0 ]
sleep 0.5
timeout 120 "$STRATA_MPIEXEC" -n "$NP" "$EMIT" --monitor "connect:$(cat n.ep)" --iters 50 --exit 4 > /dev/null
rc=$?
wait $m
mrc=$?
expect "the run after the stranger: exit 4" [ $rc -eq 4 ]
expect "the monitor was not stopped by the stranger: exit 4 like the run ($mrc)" [ $mrc -eq 4 ]
expect "the monitor counts what it ignored" grep -q "3 malformed messages ignored" n.err
expect "the monitor saw the run" grep -q "^run_end" n.out

expect "key files untouched" sha256sum -c --quiet sums
echo "$npass passed, $nfail failed"
[ $nfail -eq 0 ]
