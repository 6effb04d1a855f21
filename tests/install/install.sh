#!/usr/bin/env bash
# cmake --install into a scratch prefix, then build tests/install/pca_demo.c against the
# installed tree four ways -- CMake package (shared, static) and pkg-config (shared, static) --
# and run each as a 2-rank distributed PCA with known singular values.  Also checks what was
# installed: the binary, libstrata.so and .a, the umbrella header, the package and .pc files.
set -euo pipefail
build=$1
src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$prefix/lib
[ -d "$libdir/pkgconfig" ] || libdir=$(dirname "$(find "$prefix" -name strata.pc | head -1)")/..
fail=0
for f in bin/strata include/strata/strata.h include/strata/version.h include/strata/svd.h; do
  [ -e "$prefix/$f" ] || { echo "install: missing $f"; fail=1; }
done
for f in libstrata.so libstrata.a pkgconfig/strata.pc cmake/strata/strataConfig.cmake; do
  [ -e "$libdir/$f" ] || { echo "install: missing lib/$f"; fail=1; }
done
run() {  # NAME EXE
  local out
  if out=$("${STRATA_MPIEXEC:-mpiexec}" -n 2 "$2" 2>&1) && grep -q "pca_demo: 2 ranks.*: ok" <<<"$out"; then
    echo "install: $1: $out"
  else
    echo "install: $1 FAILED: $out"; fail=1
  fi
}
# the CMake package, both libraries
for t in strata_shared strata_static; do
  d=$work/cmake_$t
  mkdir -p "$d"
  cp "$src/pca_demo.c" "$d/"
  sed "s/@TARGET@/$t/" "$src/CMakeLists.txt.in" >"$d/CMakeLists.txt"
  if cmake -S "$d" -B "$d/b" -DCMAKE_PREFIX_PATH="$prefix" >"$d/log" 2>&1 && cmake --build "$d/b" >>"$d/log" 2>&1; then
    LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} run "cmake $t" "$d/b/pca_demo"
  else
    echo "install: cmake $t build FAILED"; tail -20 "$d/log"; fail=1
  fi
done
# pkg-config, shared and --static
export PKG_CONFIG_PATH=$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
if mpicc -o "$work/pc_shared" "$src/pca_demo.c" $(pkg-config --cflags --libs strata) -lm -Wl,-rpath,"$libdir" 2>"$work/log1"; then
  run "pkg-config shared" "$work/pc_shared"
  if grep -q "libstrata.so" <<<"$(ldd "$work/pc_shared")"; then :; else echo "install: pkg-config shared did not link libstrata.so"; fail=1; fi
else
  echo "install: pkg-config shared build FAILED"; cat "$work/log1"; fail=1
fi
if mpicc -o "$work/pc_static" "$src/pca_demo.c" $(pkg-config --cflags strata) "$libdir/libstrata.a" \
     $(pkg-config --libs $(pkg-config --print-requires-private strata)) $(pkg-config --variable=static_libs strata) \
     $(pkg-config --libs-only-l ompi-c) 2>"$work/log2"; then
  run "pkg-config static" "$work/pc_static"
  if grep -q "libstrata.so" <<<"$(ldd "$work/pc_static")"; then echo "install: pkg-config static linked libstrata.so"; fail=1; fi
else
  echo "install: pkg-config static build FAILED"; cat "$work/log2"; fail=1
fi
exit $fail
