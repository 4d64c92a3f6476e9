#!/usr/bin/env bash
# A self-signed certificate for secure.example.com and its Secret in this folder (generated files;
# not committed). Run it again to renew.
dir=$(cd "$(dirname "$0")" && pwd)
exec "$dir/../make-tls-secret.sh" "$dir" secure.example.com secure-example-com-tls
