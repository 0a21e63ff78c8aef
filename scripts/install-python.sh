#!/usr/bin/env bash
# Installs the Python module `nmsim` (python/nmsim) for Debian's python3, from
# this checkout, with Debian's packages alone: installs what is missing
# (scripts/setup.sh), builds libnmsim.so (Release), and copies the module
# with the library beside it into the interpreter's site folder for local
# installs (/usr/local/lib/python3.X/dist-packages as root; the user's site
# folder otherwise). After it, `python3 -c "import nmsim"` works anywhere.
# The module binds the library with ctypes: nothing is compiled against
# Python, so no other package index is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target nmsim_shared nmsim_cli
py=/usr/bin/python3
if [ "$(id -u)" = 0 ]; then
  site=$("$py" -c 'import site; print(site.getsitepackages()[0])')
else
  site=$("$py" -m site --user-site)
fi
mkdir -p "$site/nmsim"
cp python/nmsim/__init__.py "$site/nmsim/"
cp build/libnmsim.so "$site/nmsim/"
"$py" -c 'import nmsim; print("nmsim", nmsim.__version__, "installed in", nmsim.__file__.rsplit("/", 1)[0])'
