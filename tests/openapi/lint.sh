#!/usr/bin/env bash
# Lints the API reference, app/api/openapi/openapi.json (and the schemas.json it refers to), with
# Redocly's CLI at the version package-lock.json pins. `make test` runs it; the integration tests
# check every response against the same document (tests/support/openapi_check.h).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x node_modules/.bin/redocly ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
exec node_modules/.bin/redocly lint --config redocly.yaml ../../app/api/openapi/openapi.json
