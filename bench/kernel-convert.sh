#!/usr/bin/env bash
# Conversion benchmark on a real kernel, KERNEL=6.1 (default) or 6.12 (QEMU TCG guest, two equal 1 GiB NVDIMMs on NUMA
# nodes 1 and 2). In ONE boot it times convert+online of a devdax device, alternating between
#   - the agent:  java -jar daxtier-agent.jar apply -f pool.yaml   (a SystemRam pool naming the device)
#   - daxctl:     daxctl reconfigure-device --mode=system-ram daxN.0
# reverting (daxctl reconfigure-device --mode=devdax -f) in between, for $ROUNDS rounds; devices
# and order alternate between rounds.
# Both tools are timed the same way, from the kernel's side: a kprobe on kernfs_fop_write_iter
# (guest-lib.sh writes_begin/writes_end) stamps every sysfs write, and a conversion's time is its
# first write (device_dax unbind) to its last (the last block's online). That excludes the JVM
# start-up, which is far noisier under TCG than the conversion itself. Also printed: daxctl's
# wall time, and the agent's converting apply minus the no-op apply that follows it (zero
# writes); that no-op apply (JVM start + inventory + plan) is jvm_start_s.
# Without the agent jar, the agent half is replaced by the raw sysfs writes from bash and the
# agent figures are NA.
#
#   bench/kernel-convert.sh            # ROUNDS=5 by default; needs .ci/install-kernel-deps.sh
#   KERNEL=6.12 bench/kernel-convert.sh # the same on 6.12 (booted with memhp_default_state=offline)
#
# Last line: agent_s=… daxctl_s=… ratio=… jvm_start_s=…   (medians in seconds; ratio = agent/daxctl)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-5}
KERNEL=${KERNEL:-6.1}
JAVA=${JAVA:-java}
AGENT_JAR=${AGENT_JAR:-$ROOT/device-plugin/target/daxtier-agent.jar}
CLASSES=$ROOT/e2e/target/test-classes
WORKDIR=$ROOT/e2e/target/kernel-bench

main_class=$CLASSES/io/daxtier/e2e/kernel/GuestMain.class
if [[ ! -f $main_class ]] || find "$ROOT/e2e/src/test" -newer "$main_class" | grep -q .; then
  mvn -B -q -f "$ROOT/pom.xml" -pl e2e test-compile
fi
mkdir -p "$WORKDIR"
if [[ -r $AGENT_JAR ]]; then
  # A private copy: the guest reads the jar over 9p while device-plugin/target may be rebuilt.
  cp "$AGENT_JAR" "$WORKDIR/daxtier-agent.jar"
  AGENT_JAR=$WORKDIR/daxtier-agent.jar
  MODE=agent
else
  MODE=sysfs
fi
echo "kernel-convert: rounds=$ROUNDS mode=$MODE (agent jar: $AGENT_JAR)" >&2

script=$(mktemp)
trap 'rm -f "$script"' EXIT
cat >"$script" <<'GUEST'
ndctl create-namespace -f -e namespace0.0 --mode=devdax >"$OUT/ns0.json" || exit 10
ndctl create-namespace -f -e namespace1.0 --mode=devdax >"$OUT/ns1.json" || exit 11
devs=(dax0.0 dax1.0)
for dev in "${devs[@]}"; do
  cat >"$OUT/pool-$dev.yaml" <<YAML
apiVersion: daxtier.io/v1alpha1
kind: PmemPool
metadata:
  name: bench-$dev
spec:
  mode: SystemRam
  devices:
    daxDevices: [$dev]
  online:
    zone: Movable
  policy:
    scrub:
      beforeOnline: Skip
    encryption: Disabled
    recoverability: Ignore
YAML
done

# The writes daxctl 76.1 does, by hand (real-kernel-notes, finding 3).
sysfs_convert() {
  local dev=$1 n
  echo "$dev" >/sys/bus/dax/drivers/device_dax/unbind || return 1
  echo "$dev" >/sys/bus/dax/drivers/kmem/new_id || return 1
  for n in $(dax_blocks "$dev"); do
    echo online_movable >"/sys/devices/system/memory/memory$n/state" || return 1
  done
}

secs() { printf '%d.%06d' $((($2 - $1) / 1000000)) $((($2 - $1) % 1000000)); }

# record TOOL ROUND DEV SECONDS RC: one line per timed conversion, checked against the node size.
record() {
  local node
  read -r node <"/sys/bus/dax/devices/$3/target_node"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$(node_memtotal_kb "$node")" \
    >>"$OUT/bench.tsv"
}

for ((r = 0; r < ROUNDS; r++)); do
  if ((r % 2 == 0)); then order=(daxctl "$MODE"); else order=("$MODE" daxctl); fi
  for ((i = 0; i < 2; i++)); do
    tool=${order[i]}
    # daxctl gets dax0.0 in rounds 0,1,4,5,… and dax1.0 in rounds 2,3,…; the other tool the other.
    if [[ $tool == daxctl ]]; then dev=${devs[(r / 2) % 2]}; else dev=${devs[(r / 2 + 1) % 2]}; fi
    case $tool in
      daxctl)
        writes_begin
        t0=${EPOCHREALTIME/./}
        daxctl reconfigure-device --mode=system-ram "$dev" >>"$OUT/daxctl.log" 2>&1
        rc=$?
        t1=${EPOCHREALTIME/./}
        writes_end "writes-daxctl-$r.tsv"
        record daxctl_wall "$r" "$dev" "$(secs "$t0" "$t1")" "$rc"
        ;;
      agent)
        writes_begin
        t0=${EPOCHREALTIME/./}
        agent apply -f "$OUT/pool-$dev.yaml" >>"$OUT/agent.log" 2>&1
        rc=$?
        t1=${EPOCHREALTIME/./}
        writes_end "writes-agent-$r.tsv"
        agent apply -f "$OUT/pool-$dev.yaml" >>"$OUT/agent-noop.log" 2>&1
        rc2=$?
        t2=${EPOCHREALTIME/./}
        record agent_total "$r" "$dev" "$(secs "$t0" "$t1")" "$rc"
        record agent_noop "$r" "$dev" "$(secs "$t1" "$t2")" "$rc2"
        ;;
      sysfs)
        writes_begin
        t0=${EPOCHREALTIME/./}
        sysfs_convert "$dev" 2>>"$OUT/sysfs.log"
        rc=$?
        t1=${EPOCHREALTIME/./}
        writes_end "writes-sysfs-$r.tsv"
        record sysfs_wall "$r" "$dev" "$(secs "$t0" "$t1")" "$rc"
        ;;
    esac
    daxctl reconfigure-device --mode=devdax -f "$dev" >>"$OUT/revert.log" 2>&1 || exit 20
  done
done
t0=${EPOCHREALTIME/./}
"$JAVA" $JAVA_OPTS -version >/dev/null 2>&1
t1=${EPOCHREALTIME/./}
echo "java_version_s=$(secs "$t0" "$t1")" >"$OUT/java-version.txt"
GUEST

dir=$("$JAVA" -cp "$CLASSES" io.daxtier.e2e.kernel.GuestMain --kernel "$KERNEL" --topology equal --timeout 1200 \
  --workdir "$WORKDIR" --env "AGENT_JAR=$AGENT_JAR" --env "ROUNDS=$ROUNDS" --env "MODE=$MODE" \
  kernel-convert "$script")
rc=$(cat "$dir/exit_code")
if [[ $rc != 0 || ! -s $dir/bench.tsv ]]; then
  echo "kernel-convert: guest script failed (exit $rc), see $dir" >&2
  exit 1
fi

# Kernel-side spans: first to last sysfs write of each timed conversion.
for f in "$dir"/writes-*.tsv; do
  name=${f##*/writes-}
  awk -F'\t' -v tool="${name%-*}" -v round="${name%.tsv}" '
    NR == 1 { first = $3 } { last = $3; n++ }
    END { sub(/.*-/, "", round); if (n) printf "%s\t%s\t-\t%.6f\t0\t%d writes\n", tool, round, last - first, n }' \
    "$f" >>"$dir/bench.tsv"
done

echo "tool	round	dev	seconds	rc	node_kb"
cat "$dir/bench.tsv"
cat "$dir/java-version.txt"
if awk -F'\t' '$5 != 0 || $6 == "0" && $1 != "agent_noop"' "$dir/bench.tsv" | grep -q .; then
  echo "kernel-convert: some conversions failed or added no memory (rc != 0 or node_kb == 0)" >&2
  exit 1
fi

# median TOOL: the median of the seconds column for TOOL.
median() {
  awk -F'\t' -v t="$1" '$1 == t { print $4 }' "$dir/bench.tsv" | sort -g \
    | awk '{ v[NR] = $1 } END { if (NR == 0) print "NA"; else if (NR % 2) printf "%.3f", v[(NR + 1) / 2];
                               else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
daxctl_s=$(median daxctl)
echo "daxctl_wall_s=$(median daxctl_wall) (whole daxctl process)"
if [[ $MODE == agent ]]; then
  # Per round: converting apply minus the no-op apply that follows it.
  awk -F'\t' '$1 == "agent_total" { t[$2] = $4 } $1 == "agent_noop" { n[$2] = $4 }
              END { for (r in t) printf "agent_minus_noop\t%s\t-\t%.6f\t0\t-\n", r, t[r] - n[r] }' \
    "$dir/bench.tsv" >>"$dir/bench.tsv"
  echo "agent_minus_noop_s=$(median agent_minus_noop) (converting apply - no-op apply, wall)"
  agent_s=$(median agent)
  jvm_start_s=$(median agent_noop)
  ratio=$(awk -v a="$agent_s" -v d="$daxctl_s" 'BEGIN { printf "%.2f", a / d }')
else
  echo "sysfs_s=$(median sysfs) (raw sysfs writes from bash, first to last write; the agent jar is missing)"
  agent_s=NA
  jvm_start_s=NA
  ratio=NA
fi
echo "agent_s=$agent_s daxctl_s=$daxctl_s ratio=$ratio jvm_start_s=$jvm_start_s"
