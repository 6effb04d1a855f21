#!/usr/bin/env bash
# Run every benchmark area (bench/<area>/run.sh BUILD_DIR) and print their tables.
# Usage: bench/run.sh BUILD_DIR [AREA ...]   (default: all areas)
# Environment: STRATA_BENCH_SMALL=1 runs the scaled-down sizes each area documents.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${1:?usage: bench/run.sh BUILD_DIR [AREA ...]}" && pwd)
shift
areas=("$@")
if [ ${#areas[@]} -eq 0 ]; then
  for d in "$here"/*/run.sh; do areas+=("$(basename "$(dirname "$d")")"); done
fi
status=0
for a in "${areas[@]}"; do
  echo "=== bench: $a ($(date -u +%H:%M:%S))"
  if ! "$here/$a/run.sh" "$build"; then
    echo "bench $a: FAILED" >&2
    status=1
  fi
done
exit $status
