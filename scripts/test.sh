#!/usr/bin/env bash
# Install everything the tests need where it is missing, then run the whole suite (browser tests included).
# Usage: bash scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# Debian packages: Chromium, which Playwright drives (it cannot download its own browser here), and
# the handwriting fonts the synthetic generator draws digits and letters from (also in packages.txt).
fonts=$(grep '^fonts-' packages.txt | tr '\n' ' ')
missing=""
[ -x /usr/bin/chromium ] || missing="chromium chromium-driver"
for package in $fonts; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -n "$missing" ]; then
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq $missing >/dev/null
fi

export TF_CPP_MIN_LOG_LEVEL=2 PYTHONHASHSEED=0
exec .venv/bin/python -m pytest -n 2 --dist loadfile "$@"
