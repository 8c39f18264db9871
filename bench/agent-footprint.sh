#!/usr/bin/env bash
# Agent footprint as deployed: seconds from process start to kubelet registration, and resident
# memory after 30 s, for the agent in CLUSTER mode as the DaemonSet runs it (`daxtier-agent run
# --node-name N`: Fabric8 client, PmemNode informer, status writes) against an embedded API server
# (the sandbox's, in its own JVM, holding the node's PmemNode with spec.pools from the example pool,
# as the operator writes it), on a simulated node with a stand-in kubelet (its own process), serving
# /healthz, /readyz and /metrics as the image does (on a free port). Then the same for STANDALONE
# mode (`run --pool-file`), reported beside it.
# Targets (design-brief §6, issue 15): register_s <= 2, cluster_rss_mib <= 64.
#
# Build first:  mvn -o -q package -pl crds,proto,kernel-api,simulator,testkit,device-plugin,operator,helm,sandbox -DskipTests
# Run:          bench/agent-footprint.sh [settle_seconds=30]
# JVM flags: the image's own, read from device-plugin/jvm.options (the image runs `java @jvm.options`);
# AGENT_JAVA_OPTS is appended (later flags win), like the chart's agent.javaOpts. A class-data
# archive is made first as the image build makes it (device-plugin/cds-archive.sh, trained on the
# cluster path). AGENT_JSA=FILE: an archive made elsewhere instead; AGENT_JSA=none: no archive
# (-Xshare:off); AGENT_JSA=default: no archive flags (the JDK's own archive, or -XX:AOTCache=… in
# AGENT_JAVA_OPTS). AGENT_JAR=FILE: another agent jar.
# CDS_TRAIN=standalone: train the archive on the standalone path instead (for comparison).
# CDS_AOT=1 (with a JDK 24+ AGENT_JAVA): a JDK AOT cache (-XX:AOTCache) instead of the static archive.
# AGENT_JAVA=/path/to/bin/java: another JVM for the agent (and its archive), e.g. the JDK 25.
# AGENT_MODES="cluster standalone" (default): which modes to measure.
# Diagnostic lines start with '#'. The last line is:
#   register_s=… cluster_rss_mib=… standalone_rss_mib=…   (register_s: cluster mode)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MOD="$ROOT/device-plugin"
JAR=${AGENT_JAR:-$MOD/target/daxtier-agent.jar}
API_CP="$ROOT/sandbox/target/test-classes:$ROOT/sandbox/target/daxtier-sandbox.jar"
SETTLE=${1:-30}
MODES=${AGENT_MODES:-cluster standalone}
BUILD="mvn -o -q package -pl crds,proto,kernel-api,simulator,testkit,device-plugin,operator,helm,sandbox -DskipTests"
[ -s "$JAR" ] || { echo "no $JAR: run '$BUILD' first" >&2; exit 2; }
[ -f "$ROOT/sandbox/target/test-classes/io/daxtier/sandbox/bench/AgentApiMain.class" ] \
  && [ -s "$ROOT/sandbox/target/daxtier-sandbox.jar" ] \
  || { echo "no sandbox jar or test classes: run '$BUILD' first" >&2; exit 2; }
# The stand-in kubelet: the test kit's FakeKubeletMain, from the sandbox jar (which bundles the kit).
KUBELET_CP="$ROOT/sandbox/target/daxtier-sandbox.jar"
JAVA=${AGENT_JAVA:-java}

WORK=$(mktemp -d /tmp/dtfoot.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
NODE="$ROOT/examples/simulated-nodes/qemu-nvdimm.yaml"
POOL="$ROOT/examples/simulated-nodes/pool-pmem-tier.yaml"
JSA="$MOD/target/agent.jsa"
JVM_OPTIONS="$MOD/jvm.options"
# The image's environment for the JVM (ENV lines of device-plugin/Dockerfile other than paths).
eval "$(sed -n 's/^ENV \(MALLOC_ARENA_MAX=[0-9]*\)$/export \1/p' "$MOD/Dockerfile")"
# shellcheck disable=SC2206
EXTRA=(${AGENT_JAVA_OPTS:-})
FLAGS="$(sed -e 's/#.*//' "$JVM_OPTIONS" | xargs) ${AGENT_JAVA_OPTS:-}"
TRAIN=${CDS_TRAIN:-cluster}
STAMP="$FLAGS train=$TRAIN aot=${CDS_AOT:-} jar=$JAR java=$("$JAVA" -version 2>&1 | head -n 1)"

# Made again when the jar, the flags, the JVM or the training path change.
SHARE=()
if [ "${AGENT_JSA:-}" = none ]; then
  SHARE=(-Xshare:off)
elif [ "${AGENT_JSA:-}" = default ]; then
  SHARE=()
elif [ -n "${AGENT_JSA:-}" ]; then
  SHARE=(-XX:SharedArchiveFile="$AGENT_JSA" -Xshare:auto)
else
  if [ ! -s "$JSA" ] || [ "$JAR" -nt "$JSA" ] || [ "$MOD/cds-archive.sh" -nt "$JSA" ] \
    || [ "$(cat "$JSA.flags" 2>/dev/null)" != "$STAMP" ]; then
    echo "building the class-data archive $JSA (device-plugin/cds-archive.sh, as in device-plugin/Dockerfile; $TRAIN path)"
    rm -f "$JSA" "$JSA.flags"
    api_arg=()
    [ "$TRAIN" = cluster ] && api_arg=("$API_CP")
    PATH="$(dirname "$(command -v "$JAVA")"):$PATH" CDS_JAVA_OPTS="${AGENT_JAVA_OPTS:-}" CDS_AOT="${CDS_AOT:-}" \
      "$MOD/cds-archive.sh" "$JVM_OPTIONS" "$JAR" "$JSA" "$ROOT/examples/simulated-nodes" "$KUBELET_CP" \
      ${api_arg[@]+"${api_arg[@]}"}
    echo "$STAMP" > "$JSA.flags"
  fi
  SHARE=(-XX:SharedArchiveFile="$JSA" -Xshare:auto)
  [ -n "${CDS_AOT:-}" ] && SHARE=(-XX:AOTCache="$JSA")
fi

# A stand-in kubelet (its own process) serving kubelet.sock in $1; its log is $2.
start_kubelet() {
  mkdir -p "$1"
  : > "$2"
  java -XX:+UseSerialGC -Xmx128m -XX:TieredStopAtLevel=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
    -cp "$KUBELET_CP" io.daxtier.testkit.kubelet.FakeKubeletMain "$1" > "$2" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 300); do grep -q '^ready' "$2" && return 0; sleep 0.1; done
  cat "$2" >&2
  exit 1
}

# measure MODE: starts the agent in MODE, waits for registration and the device list, settles,
# prints diagnostics and sets REG_S and RSS_MIB.
measure() {
  local mode=$1 dir="$WORK/$1" args=() agent
  API_ENV=()
  start_kubelet "$dir/kubelet" "$dir/kubelet.log"
  if [ "$mode" = cluster ]; then
    # The API server: its own JVM, with the Node, the PmemPool and the PmemNode in it.
    java -XX:+UseSerialGC -Xmx256m -XX:TieredStopAtLevel=1 \
      -Djava.util.logging.config.file="$ROOT/sandbox/src/test/resources/logging.properties" \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$API_CP" io.daxtier.sandbox.bench.AgentApiMain \
      bench-node "$POOL" "$dir/kubeconfig" > "$dir/api.log" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 1 600); do grep -q '^ready' "$dir/api.log" && break; sleep 0.1; done
    grep -q '^ready' "$dir/api.log" || { tail -n 30 "$dir/api.log" >&2; exit 1; }
    args=(--node-name bench-node)
    API_ENV=("KUBERNETES_MASTER=$(awk '/^ready/{print $2; exit}' "$dir/api.log")"
      KUBERNETES_AUTH_TRYKUBECONFIG=false KUBERNETES_AUTH_TRYSERVICEACCOUNT=false KUBERNETES_NAMESPACE=default)
  else
    args=(--pool-file "$POOL")
    API_ENV=()
  fi
  echo "# $mode: load average $(cut -d" " -f1-3 /proc/loadavg) before start"
  local start_ms
  start_ms=$(date +%s%3N)
  # Cluster mode: the API server as a pod's agent finds it, from the environment (no kubeconfig
  # file: the in-cluster config reads none either; here plain HTTP and no service-account token).
  env ${API_ENV[@]+"${API_ENV[@]}"} "$JAVA" @"$JVM_OPTIONS" "${EXTRA[@]}" "${SHARE[@]}" -jar "$JAR" \
    --simulate "$NODE" run "${args[@]}" --kubelet-dir "$dir/kubelet" --metrics-port 0 --interval 10s \
    > "$dir/agent.log" 2>&1 &
  agent=$!
  PIDS+=("$agent")
  for _ in $(seq 1 600); do grep -q '^devices' "$dir/kubelet.log" && break; sleep 0.05; done
  if ! grep -q '^registered' "$dir/kubelet.log"; then
    echo "$mode: the agent never registered:" >&2; tail -n 30 "$dir/agent.log" >&2; exit 1
  fi
  local reg_ms devices
  reg_ms=$(awk '/^registered/{print $3; exit}' "$dir/kubelet.log")
  devices=$(awk '/^devices/{print $2; exit}' "$dir/kubelet.log")
  # One scrape of /metrics (as Prometheus would), found by the agent's listening port.
  local port
  port=$(ss -Hltnp 2>/dev/null | awk -v p="pid=$agent," 'index($0, p) {n = split($4, a, ":"); print a[n]; exit}')
  if [ -n "$port" ]; then
    curl -fsS -o /dev/null "http://127.0.0.1:$port/metrics" || echo "# $mode: /metrics did not answer"
  else
    echo "# $mode: /metrics port not found"
  fi
  sleep "$SETTLE"
  kill -0 "$agent" 2>/dev/null || { echo "$mode: agent died:" >&2; tail -n 30 "$dir/agent.log" >&2; exit 1; }
  if [ "$mode" = cluster ]; then
    grep -q '^status' "$dir/api.log" \
      || { echo "$mode: the agent never wrote its PmemNode status:" >&2; tail -n 30 "$dir/agent.log" >&2; exit 1; }
  fi
  local rss_kb
  rss_kb=$(awk '/^VmRSS/{print $2}' "/proc/$agent/status")
  # Diagnostics: resident memory by kind, and the largest resident mappings.
  awk -v m="$mode" '/^Rss(Anon|File|Shmem)/{printf "# %s %s %.1f MiB\n", m, $1, $2 / 1024}' "/proc/$agent/status"
  awk -v m="$mode" '/^[0-9a-f]+-[0-9a-f]+ /{name = (NF >= 6 ? $6 : "[anon]")} /^Rss:/{rss[name] += $2}
    END {for (n in rss) if (rss[n] >= 1024) printf "# %s %7.1f MiB %s\n", m, rss[n] / 1024, n}' \
    "/proc/$agent/smaps" | sort -k3 -rn | head -n 12
  # AGENT_HISTOGRAM=N: the top N classes on the heap.
  if [[ -n "${AGENT_HISTOGRAM:-}" ]]; then
    jcmd "$agent" GC.class_histogram | head -n "$((AGENT_HISTOGRAM + 3))" | sed "s/^/# $mode /"
  fi
  # With AGENT_JAVA_OPTS=-XX:NativeMemoryTracking=summary, the JVM's own account (committed, by area).
  if [[ "$FLAGS" == *NativeMemoryTracking* ]]; then
    "$(dirname "$(command -v "$JAVA")")/jcmd" "$agent" VM.native_memory summary \
      | sed -n "s/^-  *\([A-Za-z ]*\) (reserved=[0-9]*KB, committed=\([0-9]*\)KB).*/# $mode NMT \1 \2 KB/p"
  fi
  local threads names
  threads=$(awk '/^Threads/{print $2}' "/proc/$agent/status")
  names=$(for t in /proc/"$agent"/task/*; do cat "$t/comm"; done | sort | uniq -c | awk '{printf "%s%s ", $2, ($1 > 1 ? "×" $1 : "")}')
  echo "# $mode: threads=$threads (${names% })"
  REG_S=$(awk -v s="$start_ms" -v r="$reg_ms" 'BEGIN { printf "%.2f", (r - s) / 1000 }')
  RSS_MIB=$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')
  echo "$mode: register_s=$REG_S rss_mib=$RSS_MIB devices=${devices:-0} load average $(cut -d" " -f1-3 /proc/loadavg)"
  kill "$agent" 2>/dev/null || true
  wait "$agent" 2>/dev/null || true
}

echo "host: $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg)"
echo "agent: MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-} java: $("$JAVA" -version 2>&1 | head -n 1) ${SHARE[*]} flags: $FLAGS"
CLUSTER_REG=- CLUSTER_RSS=- STANDALONE_RSS=-
for mode in $MODES; do
  measure "$mode"
  if [ "$mode" = cluster ]; then CLUSTER_REG=$REG_S CLUSTER_RSS=$RSS_MIB; else STANDALONE_RSS=$RSS_MIB; fi
done
echo "register_s=$CLUSTER_REG cluster_rss_mib=$CLUSTER_RSS standalone_rss_mib=$STANDALONE_RSS"
