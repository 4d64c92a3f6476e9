#!/usr/bin/env bash
# Starts the example's TLS backends on 127.0.0.1:9001-9007 with openssl s_server, each with its
# own self-signed certificate and a page naming it. Passage never sees these keys.
# Usage: config/start-backends.sh [DIR]   (DIR holds keys and pages; default /tmp/passage-backends)
# Stop them with: pkill -f 'openssl s_server -accept 127.0.0.1:900'
set -euo pipefail
dir=${1:-/tmp/passage-backends}
mkdir -p "$dir"
start() { # name port hostname
  local name=$1 port=$2 host=$3
  mkdir -p "$dir/$name"
  if [ ! -f "$dir/$name/tls.crt" ]; then
    openssl req -x509 -nodes -days 30 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
      -keyout "$dir/$name/tls.key" -out "$dir/$name/tls.crt" \
      -subj "/CN=$host" -addext "subjectAltName=DNS:$host" 2>/dev/null
  fi
  printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nHello from %s\n' "$name" > "$dir/$name/index.html"
  (cd "$dir/$name" && exec openssl s_server -accept "127.0.0.1:$port" -cert tls.crt -key tls.key -HTTP -quiet \
      > "$dir/$name/log" 2>&1) &
  echo "$name on 127.0.0.1:$port (certificate for $host)"
}
start api-service        9001 api.example.com
start admin-service      9002 admin.example.com
start metrics-service    9003 metrics.example.com
start app-router-service 9004 '*.apps.example.com'
start backend-service    9005 backend.example.com
start api-stable         9006 canary.example.com
start api-canary         9007 canary.example.com
