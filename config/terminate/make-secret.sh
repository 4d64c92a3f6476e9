#!/usr/bin/env bash
# Writes a self-signed certificate for secure.example.com (secure.crt, secure.key) and the
# kubernetes.io/tls Secret that holds them (30-secret.yaml) into this folder, by atomic rename, as
# cert-manager would renew it. Run it again to renew: Passage serves the new certificate to new
# handshakes within a second or so. (Generated files; not committed.)
set -euo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
openssl req -x509 -nodes -days 30 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
  -keyout "$dir/secure.key" -out "$dir/secure.crt" \
  -subj "/CN=secure.example.com" -addext "subjectAltName=DNS:secure.example.com" 2>/dev/null
{
  printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: secure-example-com-tls\n  namespace: default\n'
  printf 'type: kubernetes.io/tls\ndata:\n'
  printf '  tls.crt: %s\n' "$(base64 -w0 < "$dir/secure.crt")"
  printf '  tls.key: %s\n' "$(base64 -w0 < "$dir/secure.key")"
} > "$dir/.30-secret.yaml.tmp"
mv "$dir/.30-secret.yaml.tmp" "$dir/30-secret.yaml"
echo "wrote $dir/30-secret.yaml (certificate for secure.example.com: $dir/secure.crt)"
