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

# Root installs directly; otherwise sudo when it works without a password
# (GitHub Actions runners); otherwise say what to run.
if [ "$(id -u)" = "0" ]; then
    AS_ROOT=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    AS_ROOT=(sudo -n)
else
    echo "error: $CHROMIUM is missing and this is not root. Install it with:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y chromium" >&2
    echo "then rerun the dashboard browser test." >&2
    exit 1
fi

echo "==> Installing Chromium from Debian packages (for the dashboard browser test)"
"${AS_ROOT[@]}" apt-get update -qq
"${AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
echo "==> Installed $("$CHROMIUM" --version)"
