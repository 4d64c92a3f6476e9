#!/usr/bin/env bash
# A self-signed certificate for terminated-api.example.com and its Secret (gateway-tls-cert) in this
# folder (generated files; not committed). Run it again to renew.
dir=$(cd "$(dirname "$0")" && pwd)
exec "$dir/../make-tls-secret.sh" "$dir" terminated-api.example.com gateway-tls-cert
