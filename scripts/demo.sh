#!/usr/bin/env bash
# Set up, then run opbook's demo. Extra arguments go to the demo.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
.venv/bin/python -m opbook.demo "$@"

cat <<'MSG'

To try the notebooks yourself, open JupyterLab on them:
    .venv/bin/jupyter lab notebooks/
(as root, add --allow-root; on a machine without a screen, add --no-browser and open the printed URL)
MSG
