#!/usr/bin/env bash
# Steady-state benchmark: N simulated nodes' agents (the agent's real PmemNode status writer, a pass
# every interval, and its real node Lease renewer, every 10 s; not full agents) against the embedded
# API server (the sandbox's Fabric8 mock in CRUD mode, indexed by name), plus the real operator in its
# own JVM, measured over a window after every node's status and Lease were written.
# Usage, after a build:  bench/steady-state.sh [nodes] [window_s] [interval_s]   (defaults 5000 300 30)
#   build: (mvn -B -q install -DskipTests), or without installing: (mvn -o -q -pl sandbox -am test-compile)
# Last line: nodes=… pmemnode_writes_per_node_per_5min=… lease_writes_per_s=… operator_cpu_pct=… api_bytes_per_s=…
#   (targets: pmemnode_writes_per_node_per_5min <= 1, operator_cpu_pct <= 5)
set -euo pipefail
nodes="${1:-5000}"
window="${2:-300}"
interval="${3:-30}"
root="$(cd "$(dirname "$0")/.." && pwd)"
mod="$root/sandbox"
if [[ ! -f "$mod/target/test-classes/io/daxtier/sandbox/SteadyStateBench.class" ]]; then
  echo "build first: (cd $root && mvn -o -q -pl sandbox -am test-compile)" >&2
  exit 2
fi
cpfile="$mod/target/bench.classpath"
if [[ ! -s "$cpfile" || -n "$(find "$root" -name pom.xml -not -path "*/target/*" -newer "$cpfile")" ]]; then
  (cd "$root" && mvn -B -q -pl sandbox org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$cpfile" >/dev/null)
fi
# This checkout's own modules, not whatever snapshot ~/.m2 holds: io/daxtier/<artifact>/…/<artifact>-<v>[-tests].jar
# becomes <module>/target/classes (test-classes for -tests).
cp=""
IFS=: read -r -a entries < "$cpfile" || true # no newline at the end: read says 1
for e in "${entries[@]}"; do
  if [[ "$e" =~ /io/daxtier/(daxtier-[a-z-]+)/[^/]+/[^/]+\.jar$ ]]; then
    artifact="${BASH_REMATCH[1]}"
    case "$artifact" in
      daxtier-agent) dir="$root/device-plugin" ;;
      *) dir="$root/${artifact#daxtier-}" ;;
    esac
    if [[ "$e" == *-tests.jar ]]; then e="$dir/target/test-classes"; else e="$dir/target/classes"; fi
  fi
  cp="$cp:$e"
done
# On 2 cores the common ForkJoinPool has parallelism 1, and CompletableFuture then starts a thread per
# async task (the JDK HTTP client uses many): give it a real pool. BENCH_OPERATOR_OPTS: the operator JVM's.
exec java ${BENCH_JAVA_OPTS:--Xmx3g -XX:+UseParallelGC -Djava.util.concurrent.ForkJoinPool.common.parallelism=8} \
  -Dbench.operator.opts="${BENCH_OPERATOR_OPTS:--Xmx1g -XX:+UseParallelGC}" \
  -Djava.util.logging.config.file="$mod/src/test/resources/logging.properties" \
  -cp "$mod/target/test-classes:$mod/target/classes${cp}" \
  io.daxtier.sandbox.SteadyStateBench "$nodes" "$window" "$interval"
