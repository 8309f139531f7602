#!/usr/bin/env bash
# Installs Chromium from Debian packages for the dashboard's browser test
# (pytests/dashboard/). Idempotent: does nothing when /usr/bin/chromium exists.
# The test drives this system browser; it never downloads a browser build of
# its own (no `playwright install`).
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "==> Chromium present ($("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM"))"
    exit 0
fi

if [ "$(id -u)" != "0" ]; then
    echo "error: $CHROMIUM is missing and this is not root. Install it with:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y chromium" >&2
    echo "then rerun the dashboard browser test." >&2
    exit 1
fi

echo "==> Installing Chromium from Debian packages (for the dashboard browser test)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
echo "==> Installed $("$CHROMIUM" --version)"
