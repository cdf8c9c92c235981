# Sourced by the other scripts: make .venv at the repo root and install the pinned packages.
# Re-installs only when a requirements or constraints file has changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REQUIREMENTS="${1:-requirements-dev.txt}"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
STAMP=".venv/.installed-$(cat "$REQUIREMENTS" requirements.txt constraints.txt | sha256sum | cut -c1-16)-$(basename "$REQUIREMENTS")"
if [ ! -f "$STAMP" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS" -c constraints.txt
  # Matplotlib's list of fonts, built now rather than while the first /buddy report is drawn.
  .venv/bin/python -m models.facilitators.chart
  touch "$STAMP"
fi
