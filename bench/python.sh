#!/usr/bin/env bash
# Runs the benchmarks' own Python: .build/bench-venv, made on first use with the peers the
# benchmarks measure installed from PyPI at pinned versions.
#
#     bash bench/python.sh SCRIPT [ARGUMENTS…]
#
# NumPy runs as it would on the machine the build is for. Current NumPy is slowed by
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (set on some machines for older OpenBLAS), so they are
# unset; but with NNLAB_CPU=haswell (an AVX2 build, standing in for an AVX2 machine) OpenBLAS
# takes its Haswell kernels and NumPy's own loops leave AVX-512 aside, as on such a machine.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build/bench-venv
packages=(numpy==2.4.6 threadpoolctl==3.8.0 mlflow==3.18.0)
if [ "$(cat "$venv/installed" 2>/dev/null)" != "${packages[*]}" ]; then
  echo "making $venv: ${packages[*]}" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${packages[@]}" >&2
  echo "${packages[*]}" >"$venv/installed"
fi
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
if [ "${NNLAB_CPU:-}" = haswell ]; then
  export OPENBLAS_CORETYPE=Haswell
  export NPY_DISABLE_CPU_FEATURES="AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR"
fi
exec "$venv/bin/python" "$@"
