#!/usr/bin/env bash
# Operator scale benchmark: N Nodes x P pools on the Fabric8 mock API server (in one JVM).
# Usage, after a build (mvn -pl operator verify or test-compile):  bench/operator-scale.sh [nodes] [pools]
# Last line: nodes=… pools=… render_s=… noop_writes=… heap_mib=…   (targets: render_s <= 30, noop_writes = 0)
set -euo pipefail
nodes="${1:-5000}"
pools="${2:-20}"
root="$(cd "$(dirname "$0")/.." && pwd)"
mod="$root/operator"
if [[ ! -d "$mod/target/test-classes/io/daxtier/operator/bench" ]]; then
  echo "build first: (cd $root && mvn -B -q -pl operator test-compile)" >&2
  exit 2
fi
cpfile="$mod/target/bench.classpath"
if [[ ! -s "$cpfile" || "$mod/pom.xml" -nt "$cpfile" ]]; then
  (cd "$root" && mvn -B -q -pl operator org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$cpfile" >/dev/null)
fi
# On 2 cores the common ForkJoinPool has parallelism 1, and CompletableFuture then starts a thread per
# async task (the JDK HTTP client uses many): give it a real pool.
exec java ${BENCH_JAVA_OPTS:--Xmx2g -XX:+UseParallelGC -Djava.util.concurrent.ForkJoinPool.common.parallelism=8} \
  -Djava.util.logging.config.file="$mod/src/test/resources/logging.properties" \
  -Dlogback.configurationFile="$mod/src/test/resources/logback-test.xml" \
  -cp "$mod/target/test-classes:$mod/target/classes:$(cat "$cpfile")" \
  io.daxtier.operator.bench.OperatorScaleBench "$nodes" "$pools"
