#!/usr/bin/env bash
# Operator scale benchmark: N Nodes x P pools on the embedded API server (the sandbox's Fabric8
# mock in CRUD mode, store indexed by name), operator and server in one JVM.
# Usage, after a build (mvn -B -q install -DskipTests):  bench/operator-scale.sh [nodes] [pools]
# Last line: nodes=… pools=… render_s=… noop_writes=… heap_mib=…   (targets: render_s <= 30, noop_writes = 0)
set -euo pipefail
nodes="${1:-5000}"
pools="${2:-20}"
root="$(cd "$(dirname "$0")/.." && pwd)"
mod="$root/sandbox"
if [[ ! -f "$mod/target/test-classes/io/daxtier/sandbox/OperatorScaleBench.class" ]]; then
  echo "build first: (cd $root && mvn -B -q install -DskipTests)" >&2
  exit 2
fi
cpfile="$mod/target/bench.classpath"
if [[ ! -s "$cpfile" || -n "$(find "$root" -name pom.xml -not -path "*/target/*" -newer "$cpfile")" ]]; then
  (cd "$root" && mvn -B -q -pl sandbox org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$cpfile" >/dev/null)
fi
# On 2 cores the common ForkJoinPool has parallelism 1, and CompletableFuture then starts a thread per
# async task (the JDK HTTP client uses many): give it a real pool.
exec java ${BENCH_JAVA_OPTS:--Xmx2g -XX:+UseParallelGC -Djava.util.concurrent.ForkJoinPool.common.parallelism=8} \
  -Djava.util.logging.config.file="$mod/src/test/resources/logging.properties" \
  -cp "$mod/target/test-classes:$mod/target/classes:$(cat "$cpfile")" \
  io.daxtier.sandbox.OperatorScaleBench "$nodes" "$pools"
