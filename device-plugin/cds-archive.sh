#!/bin/sh
# Makes the node agent's class-data sharing archive: one static archive holding exactly the classes
# the agent loads (JDK, libraries and its own), no more.
#
#   cds-archive.sh JVM_OPTIONS_FILE AGENT_JAR ARCHIVE SIMULATED_NODES_DIR KUBELET_CLASSPATH [API_CLASSPATH]
#
# 1. Training: `run --cds-training` on a simulated node with a stand-in kubelet (start-up, a pass,
#    device-plugin registration, ListAndWatch, Allocate, /metrics), recording every class it loads.
#    The kubelet is the test kit's io.daxtier.testkit.kubelet.FakeKubeletMain --allocate-once, in its
#    own JVM, from KUBELET_CLASSPATH (sandbox/target/daxtier-sandbox.jar bundles it): it serves
#    kubelet.sock, lists and allocates a device, then drops the file the training run waits for.
#    With API_CLASSPATH (a class path holding the sandbox's io.daxtier.sandbox.bench.AgentApiMain:
#    sandbox/target/daxtier-sandbox.jar plus sandbox/target/test-classes), the training runs the
#    cluster path, as the DaemonSet does: an embedded API server in its own JVM holds the node's
#    PmemNode (spec.pools from the example pool), the agent reads it with the Fabric8 client and
#    informer and writes its status. Without it, the standalone path (`--pool-file`).
# 2. Dump: a static archive from that list, with the same flags and the same class path as the
#    agent runs with (`-jar AGENT_JAR`), so the JVM accepts it at start.
# Why static, not the JDK's default archive plus a dynamic one (-XX:ArchiveClassesAtExit): JDK 17
# relocates archives at start, which makes every page of both resident; the default archive holds
# ~1,300 JDK classes whatever the agent uses, and a dynamic archive cannot hold picocli's Java 5
# class files. One archive of the loaded classes is ~2 MiB smaller resident (docs/benchmarks.md).
# Used by device-plugin/Dockerfile and bench/agent-footprint.sh. Extra JVM flags: $CDS_JAVA_OPTS.
# CDS_AOT=1 (JDK 24+): a JDK AOT cache instead (measured, not adopted: docs/benchmarks.md).
set -eu
[ $# -eq 5 ] || [ $# -eq 6 ] \
  || { echo "usage: $0 JVM_OPTIONS_FILE AGENT_JAR ARCHIVE SIMULATED_NODES_DIR KUBELET_CLASSPATH [API_CLASSPATH]" >&2; exit 2; }
options=$1 jar=$2 archive=$3 nodes=$4 kubelet_cp=$5 api_cp=${6:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/daxtier-cds.XXXXXX")
api= kubelet=
stop() { if [ -n "$1" ]; then kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; fi; }
trap 'stop "$kubelet"; stop "$api"; rm -rf "$work"' EXIT
# The stand-in kubelet, serving $work/kubelet before the agent starts.
mkdir -p "$work/kubelet"
java -XX:+UseSerialGC -Xmx128m -XX:TieredStopAtLevel=1 -Djava.util.logging.config.file=/dev/null \
  -cp "$kubelet_cp" io.daxtier.testkit.kubelet.FakeKubeletMain "$work/kubelet" --allocate-once \
  > "$work/kubelet.log" 2>&1 &
kubelet=$!
i=0
until grep -q '^ready' "$work/kubelet.log"; do
  i=$((i + 1))
  [ "$i" -lt 300 ] && kill -0 "$kubelet" 2>/dev/null || { tail -n 30 "$work/kubelet.log" >&2; exit 1; }
  sleep 0.1
done
if [ -n "$api_cp" ]; then
  java -XX:+UseSerialGC -Xmx256m -XX:TieredStopAtLevel=1 -Djava.util.logging.config.file=/dev/null \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$api_cp" io.daxtier.sandbox.bench.AgentApiMain \
    cds-node "$nodes/pool-pmem-tier.yaml" "$work/kubeconfig" > "$work/api.log" 2>&1 &
  api=$!
  i=0
  until grep -q '^ready' "$work/api.log"; do
    i=$((i + 1))
    [ "$i" -lt 600 ] && kill -0 "$api" 2>/dev/null || { tail -n 30 "$work/api.log" >&2; exit 1; }
    sleep 0.1
  done
  set -- --node-name cds-node
  # As in a pod: the API server from the environment, no kubeconfig file.
  KUBERNETES_MASTER=$(sed -n 's/^ready \([^ ]*\).*/\1/p' "$work/api.log")
  export KUBERNETES_MASTER KUBERNETES_AUTH_TRYKUBECONFIG=false KUBERNETES_AUTH_TRYSERVICEACCOUNT=false \
    KUBERNETES_NAMESPACE=default
else
  set -- --pool-file "$nodes/pool-pmem-tier.yaml"
fi
rm -f "$archive"
if [ -n "${CDS_AOT:-}" ]; then
  # JDK 24 and later, CDS_AOT=1: an AOT cache (-XX:AOTCache=ARCHIVE to use it) made from the
  # training run itself: its classes loaded and linked, no class list.
  # shellcheck disable=SC2086
  java @"$options" ${CDS_JAVA_OPTS:-} -XX:AOTCacheOutput="$archive" \
    -jar "$jar" --simulate "$nodes/qemu-nvdimm.yaml" run "$@" \
    --kubelet-dir "$work/kubelet" --metrics-port 0 --cds-training > "$work/training.log" 2>&1 \
    || { tail -n 30 "$work/training.log" >&2; exit 1; }
  echo "$archive: AOT cache ($([ -n "$api_cp" ] && echo cluster || echo standalone) path), $(grep -c 'Skipping' "$work/training.log" || true) skipped"
  exit 0
fi
# shellcheck disable=SC2086
java @"$options" ${CDS_JAVA_OPTS:-} -XX:DumpLoadedClassList="$work/classes.lst" \
  -jar "$jar" --simulate "$nodes/qemu-nvdimm.yaml" run "$@" \
  --kubelet-dir "$work/kubelet" --metrics-port 0 --cds-training > "$work/training.log" 2>&1 \
  || { tail -n 30 "$work/training.log" >&2; exit 1; }
# shellcheck disable=SC2086
java @"$options" ${CDS_JAVA_OPTS:-} -Xshare:dump -XX:SharedClassListFile="$work/classes.lst" \
  -XX:SharedArchiveFile="$archive" -cp "$jar" > "$work/dump.log" 2>&1 \
  || { tail -n 30 "$work/dump.log" >&2; exit 1; }
echo "$archive: $(grep -vc '^[@#]' "$work/classes.lst") classes listed ($([ -n "$api_cp" ] && echo cluster || echo standalone) path), $(grep -c 'Skipping' "$work/dump.log" || true) skipped"
