#!/usr/bin/env bash
# Creates .venv and installs the exact versions in requirements.lock, plus the
# project's own package. Safe to rerun: it does nothing when the lock file has
# not changed since the last install. Also makes sure Java (for the local
# PySpark tests) is present, installing it from Debian packages when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=.venv
STAMP="$VENV/.installed-$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-16)"

if [ ! -x "$VENV/bin/python" ]; then
    echo "==> Creating $VENV with $("$PYTHON" --version)"
    "$PYTHON" -m venv "$VENV"
fi

if [ ! -f "$STAMP" ]; then
    echo "==> Installing pinned dependencies (requirements.lock)"
    "$VENV/bin/python" -m pip install --quiet -r requirements.lock
    "$VENV/bin/python" -m pip install --quiet --no-deps --editable .
    rm -f "$VENV"/.installed-*
    touch "$STAMP"
else
    echo "==> Dependencies up to date ($VENV)"
fi

if [ "${NEED_JAVA:-0}" = "1" ] && ! command -v java >/dev/null 2>&1; then
    echo "==> Installing Java 17 for the local PySpark tests"
    if [ "$(id -u)" != "0" ]; then
        echo "error: Java is missing and this is not root: install a Java 17 runtime and rerun." >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
