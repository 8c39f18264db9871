# Helpers for scenario scripts (bash in the guest's chroot). $OUT is the writable share.
set -o pipefail
JAVA_OPTS=${JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC}

# Microseconds since the epoch without forking (every fork+exec costs 0.05-0.3 s under TCG).
now_us() { echo "${EPOCHREALTIME/./}"; }

# step NAME CMD...: runs CMD, keeps its stdout, stderr, exit code and duration in seconds in
# $OUT/NAME.{out,err,rc,s}; never fails the script, so later steps still run.
step() {
  local name=$1 t0 t1 rc
  shift
  t0=${EPOCHREALTIME/./}
  "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
  rc=$?
  t1=${EPOCHREALTIME/./}
  echo "$rc" >"$OUT/$name.rc"
  printf '%d.%06d\n' $(((t1 - t0) / 1000000)) $(((t1 - t0) % 1000000)) >"$OUT/$name.s"
  return 0
}

# The daxtier agent, run from the jar shared in from the host (with its class-data archive when
# the host made one: AGENT_CDS).
agent() { "$JAVA" $JAVA_OPTS ${AGENT_CDS:+-XX:SharedArchiveFile=$AGENT_CDS} -jar "$AGENT_JAR" "$@"; }

# snapshot NAME: captures the read-only sysfs fixture into $OUT/NAME.zip (see SysfsSnapshot).
snapshot() { "$JAVA" $JAVA_OPTS -cp "$TEST_CLASSES" io.daxtier.e2e.kernel.SysfsSnapshot "$OUT/$1.zip"; }

# dax_blocks DEV: the memory block numbers kmem hot-adds for DEV, one per line. kmem aligns the
# range inward to whole blocks: first = ceil(start / bs), last = floor((start + size) / bs) - 1.
dax_blocks() {
  local bs hex start size n
  read -r hex </sys/devices/system/memory/block_size_bytes
  bs=$((16#$hex))
  read -r start <"/sys/bus/dax/devices/$1/resource"
  read -r size <"/sys/bus/dax/devices/$1/size"
  for ((n = (start + bs - 1) / bs; n < (start + size) / bs; n++)); do echo "$n"; done
}

# block_states DEV: "memoryN state zone" for each block of DEV that exists.
block_states() {
  local n state zone
  for n in $(dax_blocks "$1"); do
    [[ -d /sys/devices/system/memory/memory$n ]] || continue
    read -r state </sys/devices/system/memory/memory$n/state
    read -r zone </sys/devices/system/memory/memory$n/valid_zones
    echo "memory$n $state $zone"
  done
}

# node_memtotal_kb NODE: MemTotal of a NUMA node, 0 while the node has no sysfs directory.
node_memtotal_kb() {
  local f=/sys/devices/system/node/node$1/meminfo line
  [[ -r $f ]] || { echo 0; return; }
  while read -r line; do
    [[ $line == *" MemTotal:"* ]] && { line=${line% kB}; echo "${line##* }"; return; }
  done <"$f"
}

# Every sysfs (kernfs) write between writes_begin and writes_end NAME lands in $OUT/NAME as
# "comm<TAB>parent/name<TAB>seconds" (trace clock), through a kprobe on kernfs_fop_write_iter.
# The fetch offsets: kiocb->ki_filp (+0), dentry->d_name.name (+40), dentry->d_parent (+24), and
# file->f_path.dentry, which moved (+24 on 6.1; struct file was reordered in 6.12): the first
# writes_begin of a boot calibrates it by writing demotion_enabled's own value back (a no-op)
# under each candidate until the probe names that file. This proves "zero writes" from the
# kernel's side and times a conversion from its first write to its last.
TRACING=/sys/kernel/debug/tracing
KW_DENTRY=
kw_define() {
  [[ -d $TRACING/events/kprobes/daxtier_kw ]] && echo '-:daxtier_kw' >>"$TRACING/kprobe_events"
  echo "p:daxtier_kw kernfs_fop_write_iter name=+0(+40(+$1(+0(%di)))):string parent=+0(+40(+24(+$1(+0(%di))))):string" \
    >>"$TRACING/kprobe_events"
}
kw_calibrate() {
  local off demotion=/sys/kernel/mm/numa/demotion_enabled v
  v=$(<"$demotion")
  for off in 24 72 64 80 88 56 48 40 32 16; do
    kw_define "$off" 2>/dev/null || continue
    echo >"$TRACING/trace"
    echo 1 >"$TRACING/events/kprobes/daxtier_kw/enable"
    echo "$v" >"$demotion"
    echo 0 >"$TRACING/events/kprobes/daxtier_kw/enable"
    if [[ $(<"$TRACING/trace") == *'name="demotion_enabled" parent="numa"'* ]]; then
      KW_DENTRY=$off
      echo "$off" >"$OUT/kw-dentry-offset"
      return 0
    fi
  done
  echo "writes_begin: no file->f_path.dentry offset names the written file" >&2
  return 1
}
writes_begin() {
  [[ -n $KW_DENTRY ]] || kw_calibrate
  echo >"$TRACING/trace"
  echo 1 >"$TRACING/events/kprobes/daxtier_kw/enable"
}
writes_end() {
  local line comm name parent ts
  echo 0 >"$TRACING/events/kprobes/daxtier_kw/enable"
  : >"$OUT/$1"
  while read -r line; do
    [[ $line == *daxtier_kw:* ]] || continue
    comm=${line%%-[0-9]* *}
    name=${line#*name=\"}
    name=${name%%\"*}
    parent=${line#*parent=\"}
    parent=${parent%%\"*}
    ts=${line%%: daxtier_kw:*}
    ts=${ts##* }
    printf '%s\t%s/%s\t%s\n' "$comm" "$parent" "$name" "$ts" >>"$OUT/$1"
  done <"$TRACING/trace"
}

# state NAME: the kernel's view after a step, for the host to assert on:
#   NAME.daxctl.json  daxctl list
#   NAME.blocks       "daxX.Y memoryN state zone" for every block of every dax device
#   NAME.nodes        "N MemTotal-kB" for every possible node (0 kB while a node has no memory)
#   NAME.tiers        "memory_tierN nodelist"
#   NAME.hwc          HardwareCorrupted from /proc/meminfo, in kB
state() {
  local d n t line nl
  daxctl list >"$OUT/$1.daxctl.json" 2>"$OUT/$1.daxctl.err"
  : >"$OUT/$1.blocks"
  for d in /sys/bus/dax/devices/dax*; do
    d=${d##*/}
    while read -r line; do echo "$d $line"; done < <(block_states "$d") >>"$OUT/$1.blocks"
  done
  : >"$OUT/$1.nodes"
  for n in 0 1 2 3; do echo "$n $(node_memtotal_kb "$n")" >>"$OUT/$1.nodes"; done
  : >"$OUT/$1.tiers"
  for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
    [[ -r $t/nodelist ]] || continue
    read -r nl <"$t/nodelist"
    echo "${t##*/} $nl" >>"$OUT/$1.tiers"
  done
  while read -r line; do
    [[ $line == HardwareCorrupted:* ]] || continue
    line=${line% kB}
    echo "${line##* }" >"$OUT/$1.hwc"
  done </proc/meminfo
}

# devdax_namespaces: both label-less raw namespaces reconfigured to devdax (dax0.0, dax1.0).
devdax_namespaces() {
  step ns0 ndctl create-namespace -f -e namespace0.0 --mode=devdax
  step ns1 ndctl create-namespace -f -e namespace1.0 --mode=devdax
}

# load_nfit_test: the kernel's NVDIMM test bus plus the (wrapped) NVDIMM, dax and kmem drivers, from
# the nfit_test modules tree (QemuGuest.withNfitTest). An empty modprobe config keeps Debian's
# nvdimm-security.conf install rule (ndctl load-keys) out. The QEMU NVDIMMs come up through the
# wrapped nfit driver alongside nfit_test.0 (security, ARS, error injection) and nfit_test.1.
load_nfit_test() {
  mkdir -p /run/modprobe-empty.d
  modprobe -C /run/modprobe-empty.d nfit_test || return 1
  modprobe -C /run/modprobe-empty.d -a nd_pmem dax_pmem device_dax kmem || return 1
  udev_settle_nd
}

# udev_settle_nd: waits (up to 30 s) until every nd region has finished probing; there is no udev
# in the guest, so poll the driver links.
udev_settle_nd() {
  local i r pending
  for ((i = 0; i < 300; i++)); do
    pending=0
    for r in /sys/bus/nd/devices/region*; do
      [[ -e $r/driver ]] || pending=1
    done
    ((pending == 0)) && return 0
    sleep 0.1
  done
  return 0
}
