# strata-job.sh: the common part of the slurm/*.sbatch templates, sourced by them inside the
# batch job.  It turns Slurm's environment into plain strata options (strata itself reads
# nothing Slurm-specific): srun with PMIx, one BLAS thread per CPU of a task, the monitor
# endpoint file in the submit directory, and checkpoint / requeue / resume.  Not a launcher of
# its own: every run it makes can be reproduced with mpirun and the options it prints.
#
# Settings (environment variables; sbatch passes the submitting shell's environment):
#   STRATA               the strata binary (default: strata on PATH)
#   STRATA_SRUN_OPTS     extra srun options, e.g. "--cpu-bind=cores" (word-split)
#   STRATA_MONITOR_HOST  address the progress publisher binds to.  Default 127.0.0.1: only a
#                        process on the job's first node can watch (safe on a shared cluster,
#                        and what the local test cluster uses).  To watch from a login node,
#                        set it to the literal word "hostname" (the job binds to the compute
#                        node's name, resolved inside the job) or to the node's address on the
#                        cluster network, and set STRATA_MONITOR_CURVE so that other users
#                        cannot read the progress (required: without CURVE strata refuses to
#                        listen beyond loopback and the job exits 1 before any work).
#   STRATA_MONITOR_CURVE directory with CURVE keys (strata monitor --keygen DIR), optional
#   STRATA_MONITOR=0     no progress publisher at all
#   STRATA_EVENTS_JSONL  also append every progress event to this file (optional)
#   STRATA_CHECKPOINT    checkpoint file of factor/nmf runs (default: the --checkpoint given to
#                        the command, else strata-<command>.<job>.ckpt.h5 in the submit dir)
#
# Exit status of strata_job_run: strata's own (0 ok, 1 usage, 2 bad input, 3 I/O, 4 numeric,
# 5 internal, 6 checkpointed after a signal: then the job has been requeued).

# Log a line with the job id to the job's output.
strata_job_log() {
  echo "strata-job[${SLURM_JOB_ID:-nojob}]: $*" >&2
}

# The key naming this job's files: the array job and task for array tasks (stable across
# requeues), else the job id.
strata_job_key() {
  if [ -n "${SLURM_ARRAY_JOB_ID:-}" ] && [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then
    echo "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
  else
    echo "${SLURM_JOB_ID:-0}"
  fi
}

# strata_job_run COMMAND [ARGS...]
# Run `strata COMMAND ARGS...` on the job's tasks with srun --mpi=pmix.  For commands that
# checkpoint (factor, nmf) it passes --checkpoint, and --resume when the job is a requeued one
# (SLURM_RESTART_COUNT > 0) and the checkpoint exists; when strata exits 6 (it wrote the
# checkpoint after the SIGUSR1 that --signal=USR1@T sends before the time limit, or after a
# scancel -s USR1) the job requeues itself with scontrol requeue, and the requeued job resumes.
strata_job_run() {
  local cmd=$1
  shift
  local strata=${STRATA:-strata}
  if ! command -v "$strata" >/dev/null 2>&1; then
    strata_job_log "'$strata' not found: load strata's module or set STRATA=/path/to/strata"
    return 3
  fi
  if [ -z "${SLURM_JOB_ID:-}" ]; then
    strata_job_log "not inside a Slurm job (submit the template with sbatch)"
    return 1
  fi

  # One BLAS thread per CPU given to each task (strata's own default would be cores/ranks of
  # the node, which oversubscribes when the node is shared with other jobs).
  export OPENBLAS_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}
  export OMP_NUM_THREADS=$OPENBLAS_NUM_THREADS
  # OpenBLAS releases older than the node's CPU (Debian 12's 0.3.21 on AMD Zen 4/5) fall back to
  # their AVX2 kernels on AVX-512 hardware: 55 instead of 95 GF/s DGEMM measured on Zen 5.
  # A site or user setting wins.
  if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    export OPENBLAS_CORETYPE=SkylakeX
  fi

  local key opts=()
  key=$(strata_job_key)
  local submit=${SLURM_SUBMIT_DIR:-$PWD}

  if [ "${STRATA_MONITOR:-1}" != 0 ]; then
    local host=${STRATA_MONITOR_HOST:-127.0.0.1}
    [ "$host" = hostname ] && host=$(hostname)
    # The default name strata monitor --file looks for; one file per job (array tasks have
    # their own SLURM_JOB_ID), rewritten by every restart with its new port.
    opts+=(--monitor "tcp://$host:0" --monitor-file "$submit/strata-monitor.$SLURM_JOB_ID.endpoint")
    [ -n "${STRATA_MONITOR_CURVE:-}" ] && opts+=(--monitor-curve "$STRATA_MONITOR_CURVE")
  fi
  [ -n "${STRATA_EVENTS_JSONL:-}" ] && opts+=(--events-jsonl "$STRATA_EVENTS_JSONL")

  local ckpt=""
  case $cmd in
    factor | nmf)
      # The checkpoint the command was told to use, if any, else ours; its name does not
      # change across requeues, so the restarted job finds it.
      local a prev=""
      for a in "$@"; do
        case $a in
          --checkpoint=*) ckpt=${a#--checkpoint=} ;;
        esac
        [ "$prev" = --checkpoint ] && ckpt=$a
        prev=$a
      done
      if [ -z "$ckpt" ]; then
        ckpt=${STRATA_CHECKPOINT:-$submit/strata-$cmd.$key.ckpt.h5}
        opts+=(--checkpoint "$ckpt")
      fi
      local restarts=${SLURM_RESTART_COUNT:-0}
      if [ "$restarts" -gt 0 ]; then
        if [ -f "$ckpt" ]; then
          strata_job_log "restart $restarts: resuming from $ckpt"
          opts+=(--resume "$ckpt")
        else
          strata_job_log "restart $restarts: no checkpoint $ckpt, starting from the beginning"
        fi
      fi
      ;;
  esac

  local srun_opts=()
  # shellcheck disable=SC2206  # word splitting of the user's extra options is intended
  [ -n "${STRATA_SRUN_OPTS:-}" ] && srun_opts=($STRATA_SRUN_OPTS)
  strata_job_log "srun --mpi=pmix${srun_opts[*]:+ ${srun_opts[*]}} $strata $cmd ${opts[*]} $*"
  local rc=0
  srun --mpi=pmix "${srun_opts[@]}" "$strata" "$cmd" "${opts[@]}" "$@" || rc=$?

  if [ "$rc" -eq 6 ] && [ -n "$ckpt" ]; then
    strata_job_log "checkpoint written to $ckpt; requeueing job $SLURM_JOB_ID"
    if scontrol requeue "$SLURM_JOB_ID"; then
      # slurmctld ends this batch shell now; the job starts again with SLURM_RESTART_COUNT+1.
      return 6
    fi
    strata_job_log "scontrol requeue failed (job not requeueable?); resume by hand with --resume $ckpt"
  fi
  return "$rc"
}
