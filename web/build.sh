#!/bin/sh
# Build the editor bundle committed in the Python package (see README.md here).
# Usage: cd web && npm ci && sh build.sh
set -eu
cd "$(dirname "$0")"
exec node build.mjs
