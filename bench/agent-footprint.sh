#!/usr/bin/env bash
# Agent footprint: seconds from process start to kubelet registration, and resident memory after
# 30 s, for `daxtier-agent run --pool-file` on a simulated node with a stand-in kubelet (its own
# process), serving /healthz, /readyz and /metrics as the image does (on a free port).
# Targets (design-brief §6): register_s <= 2, rss_mib <= 80.
#
# Build first:  mvn -B -q install -DskipTests
# Run:          bench/agent-footprint.sh [settle_seconds=30]
# JVM flags: the image's own, read from device-plugin/jvm.options (the image runs `java @jvm.options`);
# AGENT_JAVA_OPTS is appended (later flags win), like the chart's agent.javaOpts. A class-data
# archive is made first as the image build makes it (device-plugin/cds-archive.sh).
# The last line is: register_s=… rss_mib=… devices=…
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MOD="$ROOT/device-plugin"
JAR="$MOD/target/daxtier-agent.jar"
SETTLE=${1:-30}
[ -s "$JAR" ] || { echo "no $JAR: run 'mvn -B -q install -DskipTests' first" >&2; exit 2; }
CP_FILE="$MOD/target/bench-classpath.txt"
if [ ! -s "$CP_FILE" ] || [ -n "$(find "$ROOT" -name pom.xml -not -path "*/target/*" -newer "$CP_FILE")" ]; then
  mvn -B -q -o -Dstyle.color=never -f "$MOD/pom.xml" dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$CP_FILE" >/dev/null
fi

WORK=$(mktemp -d /tmp/dtfoot.XXXXXX)
cleanup() { kill "${AGENT:-}" "${KUBELET:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"; }
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

# Made again when the jar or the flags change (the archive records the flags it was made with).
# AGENT_JSA=FILE measures with an archive made elsewhere instead (not rebuilt).
if [ -n "${AGENT_JSA:-}" ]; then
  JSA="$AGENT_JSA"
elif [ ! -s "$JSA" ] || [ "$JAR" -nt "$JSA" ] || [ "$MOD/cds-archive.sh" -nt "$JSA" ] || [ "$(cat "$JSA.flags" 2>/dev/null)" != "$FLAGS" ]; then
  echo "building the class-data archive $JSA (device-plugin/cds-archive.sh, as in device-plugin/Dockerfile)"
  rm -f "$JSA" "$JSA.flags"
  CDS_JAVA_OPTS="${AGENT_JAVA_OPTS:-}" "$MOD/cds-archive.sh" "$JVM_OPTIONS" "$JAR" "$JSA" "$ROOT/examples/simulated-nodes"
  echo "$FLAGS" > "$JSA.flags"
fi

mkdir -p "$WORK/kubelet"
: > "$WORK/kubelet.log"
java -XX:+UseSerialGC -Xmx128m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$MOD/target/test-classes:$MOD/target/classes:$(cat "$CP_FILE")" \
  io.daxtier.agent.plugin.bench.FakeKubeletMain "$WORK/kubelet" > "$WORK/kubelet.log" 2>&1 &
KUBELET=$!
for _ in $(seq 1 200); do grep -q '^ready' "$WORK/kubelet.log" && break; sleep 0.1; done
grep -q '^ready' "$WORK/kubelet.log" || { cat "$WORK/kubelet.log" >&2; exit 1; }

echo "host: $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg)"
start_ms=$(date +%s%3N)
java @"$JVM_OPTIONS" "${EXTRA[@]}" -XX:SharedArchiveFile="$JSA" -Xshare:auto -jar "$JAR" --simulate "$NODE" run \
  --pool-file "$POOL" --kubelet-dir "$WORK/kubelet" --metrics-port 0 --interval 10s \
  > "$WORK/agent.log" 2>&1 &
AGENT=$!
for _ in $(seq 1 600); do grep -q '^devices' "$WORK/kubelet.log" && break; sleep 0.05; done
if ! grep -q '^registered' "$WORK/kubelet.log"; then
  echo "the agent never registered:" >&2; tail -n 30 "$WORK/agent.log" >&2; exit 1
fi
reg_ms=$(awk '/^registered/{print $3; exit}' "$WORK/kubelet.log")
devices=$(awk '/^devices/{print $2; exit}' "$WORK/kubelet.log")
sleep "$SETTLE"
kill -0 "$AGENT" 2>/dev/null || { echo "agent died:" >&2; tail -n 30 "$WORK/agent.log" >&2; exit 1; }
rss_kb=$(awk '/^VmRSS/{print $2}' "/proc/$AGENT/status")
# Diagnostics: resident memory by kind, and the largest resident mappings.
awk '/^Rss(Anon|File|Shmem)/{printf "# %s %.1f MiB\n", $1, $2 / 1024}' "/proc/$AGENT/status"
awk '/^[0-9a-f]+-[0-9a-f]+ /{name = (NF >= 6 ? $6 : "[anon]")} /^Rss:/{rss[name] += $2}
  END {for (n in rss) if (rss[n] >= 1024) printf "# %7.1f MiB %s\n", rss[n] / 1024, n}' \
  "/proc/$AGENT/smaps" | sort -k2 -rn | head -n 12
# AGENT_HISTOGRAM=N: the top N classes on the heap.
if [[ -n "${AGENT_HISTOGRAM:-}" ]]; then
  jcmd "$AGENT" GC.class_histogram | head -n "$((AGENT_HISTOGRAM + 3))" | sed 's/^/# /'
fi
# With AGENT_JAVA_OPTS=-XX:NativeMemoryTracking=summary, the JVM's own account (committed, by area).
if [[ "$FLAGS" == *NativeMemoryTracking* ]]; then
  jcmd "$AGENT" VM.native_memory summary | sed -n 's/^-  *\([A-Za-z ]*\) (reserved=[0-9]*KB, committed=\([0-9]*\)KB).*/# NMT \1 \2 KB/p'
fi
threads=$(awk '/^Threads/{print $2}' "/proc/$AGENT/status")
names=$(for t in /proc/"$AGENT"/task/*; do cat "$t/comm"; done | sort | uniq -c | awk '{printf "%s%s ", $2, ($1 > 1 ? "×" $1 : "")}')
echo "agent threads=$threads (${names% }) MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-} flags: $FLAGS"
awk -v s="$start_ms" -v r="$reg_ms" -v k="$rss_kb" -v d="${devices:-0}" \
  'BEGIN { printf "register_s=%.2f rss_mib=%.1f devices=%d\n", (r - s) / 1000, k / 1024, d }'
