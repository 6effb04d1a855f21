#!/usr/bin/env bash
# A real single-node Slurm cluster (munged + slurmctld + slurmd) with all of its state under one
# private directory BASE: nothing in /etc is read or written, ports are chosen free at start.
# For strata's tests and for trying the slurm/ templates on one machine; not a way to run a
# production cluster.  Needs root (SlurmUser=root), Debian's slurm-wlm and munge.
#
#   cluster.sh start BASE [--owner PID]   start (or restart) the cluster; wait until the node is idle.
#                                         --owner: stop the cluster by itself when PID exits
#                                         (tests pass $$ so even a killed test leaves no daemons)
#   cluster.sh stop BASE                  SIGTERM the daemons by their pid files and wait for them
#   cluster.sh status BASE                exit 0 if all three daemons run (prints sinfo), else 1
#   cluster.sh env BASE                   print "export SLURM_CONF=BASE/slurm.conf" (for eval)
#
# Exit codes: 0 ok, 1 usage, 3 a daemon failed to start (its log is printed).
set -euo pipefail

usage() { sed -n '7,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 1; }
die() { echo "cluster.sh: $*" >&2; exit 3; }

[ $# -ge 2 ] || usage
cmd=$1
if [ "$cmd" = start ]; then mkdir -p "$2"; fi
if [ ! -d "$2" ]; then
  # Nothing was ever started there: stop has nothing to do, status says so.
  case $cmd in
    stop) exit 0 ;;
    status) echo "cluster.sh: no cluster under '$2'"; exit 1 ;;
  esac
  mkdir -p "$2"
fi
BASE=$(cd "$2" && pwd)
shift 2
# slurm.conf cannot quote paths.
case $BASE in *[[:space:]]*) die "BASE '$BASE' contains white space; slurm.conf cannot hold it" ;; esac
CONF=$BASE/slurm.conf
RUN=$BASE/run
DAEMONS=(slurmd slurmctld munged)   # stop order: slurmd first, munged last

pidfile() { echo "$RUN/$1.pid"; }

# The pid in a daemon's pid file if that process is alive and is that daemon, else nothing.
live_pid() {
  local f pid
  f=$(pidfile "$1")
  [ -s "$f" ] || return 0
  pid=$(tr -dc '0-9' <"$f")
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ]; then
    echo "$pid"
  fi
}

# The descendants of a process (children first), from /proc.
descendants() {
  local c
  for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    descendants "$c"
    echo "$c"
  done
}

# slurmstepd processes (and the job processes under them) of this cluster: they inherited its
# SLURM_CONF from our slurmd.  SIGKILL them, job processes first.
kill_steps() {
  local sp pid
  for sp in $(pgrep -x slurmstepd 2>/dev/null || true); do
    if { tr '\0' '\n' <"/proc/$sp/environ"; } 2>/dev/null | grep -qx "SLURM_CONF=$CONF"; then
      for pid in $(descendants "$sp") "$sp"; do kill -KILL "$pid" 2>/dev/null || true; done
    fi
  done
}

stop() {
  local d pid pids=()
  # Cancel this cluster's jobs while slurmctld still runs so their steps end cleanly.
  if [ -n "$(live_pid slurmctld)" ] && [ -n "$(live_pid munged)" ]; then
    if [ -n "$(SLURM_CONF=$CONF squeue -h -t running,pending,suspended -o %i 2>/dev/null)" ]; then
      SLURM_CONF=$CONF scancel --quiet --full --user=root 2>/dev/null || true
      local i
      for i in $(seq 1 50); do
        [ -z "$(SLURM_CONF=$CONF squeue -h -t running,completing -o %i 2>/dev/null)" ] && break
        sleep 0.1
      done
    fi
  fi
  # Jobs that ignore SIGTERM (strata checkpointing, say) would hold slurmd for KillWait (30 s).
  kill_steps
  for d in "${DAEMONS[@]}"; do
    pid=$(live_pid "$d")
    if [ -n "$pid" ]; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid:$d")
    fi
  done
  # slurmd and slurmctld take a few seconds (they save state); SIGKILL after 30 s.
  local t0=$SECONDS p
  for p in "${pids[@]}"; do
    pid=${p%%:*}
    while kill -0 "$pid" 2>/dev/null; do
      if [ $((SECONDS - t0)) -ge 30 ]; then
        echo "cluster.sh: ${p#*:} ($pid) ignored SIGTERM for 30 s, killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.1
    done
  done
  kill_steps
  for d in "${DAEMONS[@]}"; do rm -f "$(pidfile "$d")"; done
  rm -f "$BASE/munge/munge.socket.2" "$BASE/munge/munge.socket.2.lock"
  if [ -s "$RUN/watchdog.pid" ]; then
    pid=$(cat "$RUN/watchdog.pid")
    rm -f "$RUN/watchdog.pid"
    # The watchdog itself calls stop; never signal ourselves.
    [ "$pid" != "$$" ] && [ "$pid" != "${BASHPID:-}" ] && kill -TERM "$pid" 2>/dev/null || true
  fi
  return 0
}

# Two distinct free TCP ports on 127.0.0.1 (bound together, so they differ, then released).
free_ports() {
  /usr/bin/python3 - <<'EOF'
import socket
s = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(2)]
for x in s:
    x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))
for x in s:
    x.close()
EOF
}

show_log() {
  echo "---- $1 (last 20 lines) ----" >&2
  tail -n 20 "$1" >&2 2>/dev/null || true
}

write_conf() {
  local node host ctl_port d_port
  # slurmd -C prints "NodeName=<host> CPUs=... RealMemory=..." for this machine.
  node=$(slurmd -C | head -n 1)
  [[ $node == NodeName=* ]] || die "slurmd -C printed '$node'"
  host=$(echo "$node" | sed 's/^NodeName=\([^ ]*\).*/\1/')
  read -r ctl_port d_port < <(free_ports)
  cat >"$CONF.tmp" <<EOF
# Generated by strata's slurm/cluster.sh for a private single-node cluster under $BASE.
ClusterName=strata
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctl_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$BASE/munge/munge.socket.2
StateSaveLocation=$BASE/state
SlurmdSpoolDir=$BASE/spool
# Private temporary directory: the PMIx plugin names its directories there by uid, job and step
# id (spmix_appdir_0_1.0), which two private clusters on one machine would otherwise share.
TmpFS=$BASE/tmp
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=pmix
MailProg=/bin/true
ReturnToService=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$BASE/log/jobcomp.txt
KillWait=30
# Finished jobs stay visible to squeue/scontrol for 10 minutes (tests read their exit codes).
MinJobAge=600
# Schedule a submitted batch job at once (default: up to 3 s later).
SchedulerParameters=batch_sched_delay=0
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$CONF.tmp" "$CONF"
}

start() {
  local owner=""
  while [ $# -gt 0 ]; do
    case $1 in
      --owner) [ $# -ge 2 ] || usage; owner=$2; shift 2 ;;
      *) usage ;;
    esac
  done
  [ "$(id -u)" -eq 0 ] || die "needs root (the private cluster runs its daemons as SlurmUser=root)"
  local t
  for t in munged mungekey slurmctld slurmd sinfo; do
    command -v "$t" >/dev/null || die "'$t' not found: apt-get install slurm-wlm munge"
  done
  # A stale BASE (an earlier run killed before its stop): stop what still runs, start clean.
  stop
  rm -rf "$BASE/state" "$BASE/spool" "$BASE/log" "$BASE/tmp" "$RUN"
  mkdir -p "$BASE/munge" "$BASE/state" "$BASE/spool" "$BASE/log" "$BASE/tmp" "$RUN"
  # munged insists that the socket's directory and all its parents are searchable by everyone.
  chmod 0755 "$BASE" "$BASE/munge"
  local dir=$BASE
  while [ "$dir" != / ]; do
    dir=$(dirname "$dir")
    [ "$(( 0$(stat -c %a "$dir") & 1 ))" -eq 1 ] || die "'$dir' is not o+x; munged needs every parent of $BASE/munge searchable"
  done
  [ -s "$BASE/munge.key" ] || mungekey --create --keyfile="$BASE/munge.key" >/dev/null
  chmod 0600 "$BASE/munge.key"
  write_conf

  munged --key-file="$BASE/munge.key" --socket="$BASE/munge/munge.socket.2" \
    --pid-file="$RUN/munged.pid" --log-file="$BASE/log/munged.log" \
    --seed-file="$BASE/munge/munged.seed" || { show_log "$BASE/log/munged.log"; die "munged failed to start"; }
  export SLURM_CONF=$CONF
  slurmctld -c -f "$CONF" || { show_log "$BASE/log/slurmctld.log"; stop; die "slurmctld failed to start"; }
  slurmd -c -f "$CONF" || { show_log "$BASE/log/slurmd.log"; stop; die "slurmd failed to start"; }

  if [ -n "$owner" ]; then
    # Detached (own session) so that killing the owner's process group does not kill it.
    setsid bash -c '
      owner=$1 script=$2 base=$3
      while kill -0 "$owner" 2>/dev/null; do sleep 1; done
      "$script" stop "$base" >/dev/null 2>&1' watchdog "$owner" "$(readlink -f "${BASH_SOURCE[0]}")" "$BASE" \
      </dev/null >/dev/null 2>&1 &
    echo $! >"$RUN/watchdog.pid"
  fi

  # The node registers within a second; give it 30 s before declaring failure.
  local state="" i
  for i in $(seq 1 300); do
    state=$(sinfo -h -N -o %T 2>/dev/null | head -n 1 || true)
    [ "$state" = idle ] && break
    for t in munged slurmctld slurmd; do
      [ -n "$(live_pid "$t")" ] || { show_log "$BASE/log/$t.log"; stop; die "$t exited during start-up"; }
    done
    sleep 0.1
  done
  if [ "$state" != idle ]; then
    show_log "$BASE/log/slurmctld.log"; show_log "$BASE/log/slurmd.log"; stop
    die "node state is '${state:-unknown}' after 30 s, expected idle"
  fi
  echo "cluster.sh: Slurm is up under $BASE (SLURM_CONF=$CONF)" >&2
}

status() {
  local d ok=0
  for d in munged slurmctld slurmd; do
    if [ -n "$(live_pid "$d")" ]; then echo "$d: running (pid $(live_pid "$d"))"; else echo "$d: not running"; ok=1; fi
  done
  if [ $ok -eq 0 ]; then SLURM_CONF=$CONF sinfo; fi
  return $ok
}

case $cmd in
  start) start "$@" ;;
  stop) [ $# -eq 0 ] || usage; stop ;;
  status) [ $# -eq 0 ] || usage; status ;;
  env) [ $# -eq 0 ] || usage; echo "export SLURM_CONF=$CONF" ;;
  *) usage ;;
esac
