#!/usr/bin/env bash
# Device plugin benchmark: Allocate p50/p99 over a real Unix socket, and the latency from a
# capacity change to the kubelet receiving the new ListAndWatch list (fake kubelet, same JVM).
# Targets (design-brief §6): allocate p99 <= 1 ms, update <= 100 ms.
#
# Build first (test classes are needed, so -DskipTests, not -Dmaven.test.skip):
#   cd <repo> && mvn -B -q install -DskipTests
# Then:
#   bench/device-plugin.sh [allocations=30000] [updates=200]   (takes about a minute)
# The last line is: allocate_p50_ms=… allocate_p99_ms=… update_ms=…  (update_ms is the p99).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MOD="$ROOT/device-plugin"
if [ ! -d "$MOD/target/test-classes/io/daxtier/agent/plugin/bench" ]; then
  echo "device-plugin is not built: run 'mvn -B -q install -DskipTests' in $ROOT first" >&2
  exit 2
fi
CP_FILE="$MOD/target/bench-classpath.txt"
if [ ! -s "$CP_FILE" ] || [ -n "$(find "$ROOT" -name pom.xml -not -path "*/target/*" -newer "$CP_FILE")" ]; then
  if ! mvn -B -q -o -Dstyle.color=never -f "$MOD/pom.xml" dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$CP_FILE" >"$MOD/target/bench-classpath.log" 2>&1; then
    cat "$MOD/target/bench-classpath.log" >&2
    exit 2
  fi
fi
echo "host: $(nproc) cores, load average $(cut -d" " -f1-3 /proc/loadavg) (other processes share the cores)"
exec java -XX:+UseSerialGC -Xmx256m \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.io.grpc.netty.shaded=error \
  -cp "$MOD/target/test-classes:$MOD/target/classes:$(cat "$CP_FILE")" \
  io.daxtier.agent.plugin.bench.DevicePluginBench "$@"
