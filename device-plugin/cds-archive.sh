#!/bin/sh
# Makes the node agent's class-data sharing archive: one static archive holding exactly the classes
# the agent loads (JDK, libraries and its own), no more.
#
#   cds-archive.sh JVM_OPTIONS_FILE AGENT_JAR ARCHIVE SIMULATED_NODES_DIR
#
# 1. Training: `run --cds-training` on a simulated node with a stand-in kubelet (start-up, a pass,
#    device-plugin registration, ListAndWatch, Allocate, /metrics), recording every class it loads.
# 2. Dump: a static archive from that list, with the same flags and the same class path as the
#    agent runs with (`-jar AGENT_JAR`), so the JVM accepts it at start.
# Why static, not the JDK's default archive plus a dynamic one (-XX:ArchiveClassesAtExit): JDK 17
# relocates archives at start, which makes every page of both resident; the default archive holds
# ~1,300 JDK classes whatever the agent uses, and a dynamic archive cannot hold picocli's Java 5
# class files. One archive of the loaded classes is ~2 MiB smaller resident (docs/benchmarks.md).
# Used by device-plugin/Dockerfile and bench/agent-footprint.sh. Extra JVM flags: $CDS_JAVA_OPTS.
set -eu
[ $# -eq 4 ] || { echo "usage: $0 JVM_OPTIONS_FILE AGENT_JAR ARCHIVE SIMULATED_NODES_DIR" >&2; exit 2; }
options=$1 jar=$2 archive=$3 nodes=$4
work=$(mktemp -d "${TMPDIR:-/tmp}/daxtier-cds.XXXXXX")
trap 'rm -rf "$work"' EXIT
# shellcheck disable=SC2086
java @"$options" ${CDS_JAVA_OPTS:-} -XX:DumpLoadedClassList="$work/classes.lst" \
  -jar "$jar" --simulate "$nodes/qemu-nvdimm.yaml" run --pool-file "$nodes/pool-pmem-tier.yaml" \
  --kubelet-dir "$work/kubelet" --metrics-port 0 --cds-training > "$work/training.log" 2>&1 \
  || { tail -n 30 "$work/training.log" >&2; exit 1; }
rm -f "$archive"
# shellcheck disable=SC2086
java @"$options" ${CDS_JAVA_OPTS:-} -Xshare:dump -XX:SharedClassListFile="$work/classes.lst" \
  -XX:SharedArchiveFile="$archive" -cp "$jar" > "$work/dump.log" 2>&1 \
  || { tail -n 30 "$work/dump.log" >&2; exit 1; }
echo "$archive: $(grep -vc '^[@#]' "$work/classes.lst") classes listed, $(grep -c 'Skipping' "$work/dump.log" || true) skipped"
