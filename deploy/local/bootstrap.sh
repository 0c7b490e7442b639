# Sourced by deploy/local/demo and deploy/local/test: creates .venv with Python 3.11 and
# installs the pinned dependencies (constraints.txt). Re-installs only when pyproject.toml or
# constraints.txt changed since the last install.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 \
       && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "Huiji needs Python 3.11 (set PYTHON=/path/to/python3.11)." >&2
  return 1
}

extras="${1:-}"
if [ ! -x .venv/bin/python ]; then
  "$(find_python)" -m venv .venv
fi
stamp=.venv/.huiji-installed
wanted="$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)${extras}"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "Installing dependencies into .venv ..."
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -c constraints.txt -e ".${extras}"
  echo "$wanted" > "$stamp"
fi
