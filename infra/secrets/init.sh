#!/usr/bin/env bash
# Writes infra/secrets/{driftwatch,clickhouse,postgres}.env from the .example files with fresh random
# passwords and WMS webhook secret, consistent across the files. Never overwrites an existing file.
# The files are git-ignored.
set -euo pipefail
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
umask 077
random() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
clickhouse=$(random)
postgres=$(random)
interserver=$(random)
# An empty webhook secret would be an HMAC key anyone can sign with: always generate one.
wms_webhook=$(random)
for name in driftwatch clickhouse postgres; do
  # The passwords must agree across the three files: write all of them or none.
  if [ -e "$DIR/$name.env" ]; then
    echo "$DIR/$name.env exists: secrets are left as they are" >&2
    exit 0
  fi
done
for name in driftwatch clickhouse postgres; do
  target="$DIR/$name.env"
  sed -e "s/@CLICKHOUSE_PASSWORD@/$clickhouse/g" -e "s/@POSTGRES_PASSWORD@/$postgres/g" \
    -e "s/@CLICKHOUSE_INTERSERVER_SECRET@/$interserver/g" -e "s/@WMS_WEBHOOK_SECRET@/$wms_webhook/g" \
    "$DIR/$name.env.example" >"$target"
  echo "wrote $target" >&2
done
