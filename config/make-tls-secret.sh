#!/usr/bin/env bash
# make-tls-secret.sh DIR HOSTNAME SECRET: writes a self-signed certificate for HOSTNAME (DIR/NAME.crt,
# DIR/NAME.key, NAME being HOSTNAME's first label) and the kubernetes.io/tls Secret SECRET that holds
# them (DIR/30-secret.yaml), by atomic rename, as cert-manager would renew it. Run it again to
# renew: Passage serves the new certificate to new handshakes within a second or so.
set -euo pipefail
dir=$1 host=$2 secret=$3
name=${host%%.*}
openssl req -x509 -nodes -days 30 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
  -keyout "$dir/$name.key" -out "$dir/$name.crt" \
  -subj "/CN=$host" -addext "subjectAltName=DNS:$host" 2>/dev/null
{
  printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: default\n' "$secret"
  printf 'type: kubernetes.io/tls\ndata:\n'
  printf '  tls.crt: %s\n' "$(base64 -w0 < "$dir/$name.crt")"
  printf '  tls.key: %s\n' "$(base64 -w0 < "$dir/$name.key")"
} > "$dir/.30-secret.yaml.tmp"
mv "$dir/.30-secret.yaml.tmp" "$dir/30-secret.yaml"
echo "wrote $dir/30-secret.yaml (certificate for $host: $dir/$name.crt)"
