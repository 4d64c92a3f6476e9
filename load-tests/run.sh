#!/usr/bin/env bash
# load-tests/run.sh SIMULATION[,SIMULATION...] [-Dname=value ...]
#
# Runs one Gatling simulation against a local Passage, with everything it needs, and stops all it
# started: builds Passage if target/passage.jar is missing; writes a standalone resources folder (the
# tutorial's routes on 127.0.0.1:8443, plus an HTTPS listener on 9443 with an HTTPRoute for
# web.example.com); starts the backends (HTTPS, each with its own certificate and answering with its
# own name; web-service in plain HTTP); starts Passage; runs the simulation; prints the report.
#   SIMULATION: KeepAlive, NewConnection, OpenModel, SniMix, Reload or HttpRoute (or a class name);
#               several, comma-separated, run one after the other against the same Passage
#   -D options go to the simulation (see load-tests/src/test/java/passage/load/Targets.java)
#   DIRECT=1: no Passage; the simulation goes straight to the backend (the reference run):
#             target.port is api-service's port, 9001; http.port web-service's... (HTTPS only: use
#             it with KeepAlive, NewConnection and OpenModel)
# Ports used: 8443, 9443 (Passage), 8558 (its management), 9001-9007 and 9101 (backends).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
sims=${1:?usage: load-tests/run.sh SIMULATION[,SIMULATION...] [-Dname=value ...]}
shift
work=$(mktemp -d /tmp/passage-load.XXXXXX)
pids=()  # what this script started, stopped on exit
stop() {
  local code=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ $code = 0 ]; then rm -rf "$work"; else echo "logs kept in $work" >&2; fi
}
trap stop EXIT

if [ ! -f "$root/target/passage.jar" ]; then
  echo "building Passage (mvn package -DskipTests) ..."
  (cd "$root" && mvn -q -B package -DskipTests)
fi

# the backends: their certificates first (the HTTPS listener's Secret needs one too)
java "$here/backends/Backends.java" "$work/certs" pem:web.example.com
cp -r "$root/config/resources" "$work/resources"
{
  cat <<YAML
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: load-https
  namespace: default
spec:
  gatewayClassName: passage
  listeners:
  - name: https
    protocol: HTTPS
    port: 9443
    hostname: web.example.com
    tls:
      mode: Terminate
      certificateRefs:
      - name: web-cert
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  namespace: default
spec:
  parentRefs: [{name: load-https}]
  rules:
  - backendRefs: [{name: web-service, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web-service, namespace: default}
spec:
  ports: [{name: http, port: 80, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-service-1, namespace: default, labels: {kubernetes.io/service-name: web-service}}
addressType: IPv4
ports: [{name: http, port: 9101, protocol: TCP}]
endpoints: [{addresses: ["127.0.0.1"]}]
---
apiVersion: v1
kind: Secret
metadata: {name: web-cert, namespace: default}
type: kubernetes.io/tls
data:
  tls.crt: $(base64 -w0 < "$work/certs/web.example.com.crt")
  tls.key: $(base64 -w0 < "$work/certs/web.example.com.key")
YAML
} > "$work/resources/60-https.yaml"

java "$here/backends/Backends.java" "$work/certs" \
  tls:api-service:9001:api.example.com tls:admin-service:9002:admin.example.com \
  tls:metrics-service:9003:metrics.example.com 'tls:app-router-service:9004:*.apps.example.com' \
  tls:backend-service:9005:backend.example.com tls:api-stable:9006:canary.example.com \
  tls:api-canary:9007:canary.example.com http:web-service:9101 > "$work/backends.log" 2>&1 &
pids+=($!)

# (bash's /dev/tcp: no curl needed)
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ready() { (exec 3<>/dev/tcp/127.0.0.1/8558 && printf 'GET /ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && head -1 <&3 | grep -q ' 200') 2>/dev/null; }
wait_for() { # check what
  for _ in $(seq 1 120); do
    if eval "$1"; then return 0; fi
    sleep 0.5
  done
  echo "$2 did not come up: see $work" >&2
  exit 1
}
wait_for "listening 9007 && listening 9101" "the backends"

extra=()
if [ "${DIRECT:-}" = "1" ]; then
  extra+=(-Dtarget.port=9001)
  echo "direct to the backend (no Passage)"
else
  java @"$root/config/jvm.options" -jar "$root/target/passage.jar" --resources "$work/resources" > "$work/passage.log" 2>&1 &
  pids+=($!)
  wait_for ready "Passage"
  echo "Passage is ready (log: $work/passage.log)"
fi

status=0
IFS=, read -ra list <<< "$sims"
for sim in "${list[@]}"; do
  case "$sim" in *.*) class=$sim ;; *Simulation) class=passage.load.$sim ;; *) class=passage.load.${sim}Simulation ;; esac
  one=0
  (cd "$here" && mvn -q -B gatling:test -Dgatling.simulationClass="$class" -Dresources.dir="$work/resources" \
    ${extra[@]+"${extra[@]}"} "$@") || one=$?
  report=$(ls -td "$here"/target/gatling/*/ 2>/dev/null | head -1)
  echo "$sim: $([ $one = 0 ] && echo passed || echo FAILED); report: ${report}index.html"
  [ $one = 0 ] || status=$one
done
exit $status
