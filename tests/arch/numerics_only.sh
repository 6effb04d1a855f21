#!/usr/bin/env bash
# The numerics build alone: configure strata with -DSTRATA_WITH_IO=OFF (no HDF5, ZeroMQ or
# jansson on any include path or link line), build libstrata, check that it needs no symbol of
# those libraries (nm -u), and run tests/install/pca_demo.c linked against it as a 2-rank PCA
# with closed-form singular values.
set -euo pipefail
src=${STRATA_SRC:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake -S "$src" -B "$work/b" -DSTRATA_WITH_IO=OFF -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/log" 2>&1 ||
  { tail -20 "$work/log"; exit 1; }
cmake --build "$work/b" -j2 --target strata_static >>"$work/log" 2>&1 || { tail -30 "$work/log"; exit 1; }
lib=$(find "$work/b" -name libstrata.a | head -1)
bad=$(nm -u "$lib" | awk '{print $2}' | grep -E '^(H5|zmq_|json_)' | sort -u || true)
if [ -n "$bad" ]; then echo "numerics-only libstrata.a needs: $bad"; exit 1; fi
if grep -rq "hdf5\|zmq\|jansson" "$work/b/solvers/CMakeFiles/strata_solvers.dir/flags.make"; then
  echo "numerics-only build: HDF5/ZeroMQ/jansson on the solvers' compile line"; exit 1
fi
[ -e "$work/b/strata" ] && { echo "numerics-only build made the strata command"; exit 1; }
nobj=$(ar t "$lib" | wc -l)
mpicc -o "$work/pca_demo" "$src/tests/install/pca_demo.c" -I"$src/include" -I"$work/b/include" "$lib" \
  $(pkg-config --libs scalapack-openmpi) -llapack -lopenblas -lm -lpthread
out=$("${STRATA_MPIEXEC:-mpiexec}" -n 2 "$work/pca_demo")
echo "numerics-only: libstrata.a of $nobj objects, no H5/zmq/json symbol; $out"
grep -q ": ok" <<<"$out"
