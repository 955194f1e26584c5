#!/usr/bin/env bash
# Reads an nnlab TensorBoard export with the real `tensorboard` package and prints what it
# found as JSON (read_export.py): bash Tests/TensorBoardReader/read.sh LOGDIR (--install: only
# make the environment).
# The package is installed from PyPI into a virtual environment of its own, made once in
# .build/tensorboard-venv (NNLAB_TENSORBOARD_VENV elsewhere). Exit 3: PyPI could not be
# reached, so nothing could be read.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${NNLAB_TENSORBOARD_VENV:-$here/../../.build/tensorboard-venv}"
version=2.20.0
if ! "$venv/bin/python" -c "import tensorboard, sys; sys.exit(tensorboard.__version__ != '$version')" 2>/dev/null; then
  python3 -m venv "$venv" >&2
  if ! "$venv/bin/pip" install --quiet --disable-pip-version-check "tensorboard==$version" >&2; then
    echo "could not install tensorboard $version from PyPI" >&2
    exit 3
  fi
fi
[[ "$1" == --install ]] && exit 0
exec "$venv/bin/python" "$here/read_export.py" "$1"
