#!/usr/bin/env bash
# The files of the Secret passage-remoting-tls, which Passage's pods mount for mutual TLS between
# them (Pekko's rotating-keys engine), made with openssl alone: a CA (its key kept in DIR to issue
# the next certificate; make it once) and one certificate that every node shares (subject
# CN=passage: a peer must show the same subject name, from the same CA), RSA 2048, the key in
# PKCS#8, valid for DAYS days. Prints the kubectl command that makes or replaces the Secret.
#   k8s/remoting-tls/make-secret.sh [DIR] [DAYS]
set -euo pipefail
dir=${1:-remoting-tls}
days=${2:-365}
mkdir -p "$dir"
if [ ! -f "$dir/ca.key" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 3650 \
    -subj "/CN=passage-remoting-ca" 2>/dev/null
fi
openssl req -newkey rsa:2048 -nodes -keyout "$dir/node.key" -out "$dir/node.csr" -subj "/CN=passage" 2>/dev/null
openssl x509 -req -in "$dir/node.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days "$days" \
  -out "$dir/tls.crt" -extfile <(printf "subjectAltName=DNS:passage\nextendedKeyUsage=serverAuth,clientAuth\n") 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$dir/node.key" -out "$dir/tls.key"
rm -f "$dir/node.key" "$dir/node.csr"
chmod 600 "$dir/tls.key" "$dir/ca.key"
echo "kubectl -n passage-system create secret generic passage-remoting-tls --from-file=$dir/tls.key --from-file=$dir/tls.crt --from-file=$dir/ca.crt --dry-run=client -o yaml | kubectl apply -f -"
