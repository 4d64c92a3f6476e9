#!/usr/bin/env bash
# Writes into this folder (generated files; not committed): the server certificate for
# secure.example.com and its Secret (30-secret.yaml), a client CA and its ConfigMap client-ca
# (40-client-ca.yaml), and a client certificate that CA signed (client.crt, client.key), plus one a
# stranger CA signed (stranger.crt, stranger.key), to see it refused. Run it again to renew: a new
# CA takes effect for new handshakes, and the old client certificate is refused from then on.
set -euo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
"$dir/../make-tls-secret.sh" "$dir" secure.example.com secure-example-com-tls
ec() { openssl req -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 "$@" 2>/dev/null; }
for ca in ca stranger-ca; do
  ec -x509 -days 30 -keyout "$dir/$ca.key" -out "$dir/$ca.crt" -subj "/CN=Passage example $ca" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
done
client() { # NAME CA
  ec -keyout "$dir/$1.key" -out "$dir/$1.csr" -subj "/CN=$1"
  openssl x509 -req -in "$dir/$1.csr" -CA "$dir/$2.crt" -CAkey "$dir/$2.key" -CAcreateserial -days 30 \
    -extfile <(printf 'extendedKeyUsage=clientAuth\nsubjectAltName=URI:spiffe://example.com/%s\n' "$1") \
    -out "$dir/$1.crt" 2>/dev/null
  rm -f "$dir/$1.csr"
}
client client ca
client stranger stranger-ca
{
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: client-ca\n  namespace: default\ndata:\n  ca.crt: |\n'
  sed 's/^/    /' "$dir/ca.crt"
} > "$dir/.40-client-ca.yaml.tmp"
mv "$dir/.40-client-ca.yaml.tmp" "$dir/40-client-ca.yaml"
echo "wrote $dir/40-client-ca.yaml (client CA: $dir/ca.crt) and client certificates client.crt, stranger.crt"
