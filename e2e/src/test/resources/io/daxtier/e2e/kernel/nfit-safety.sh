# NfitTestSafetyIT: one boot, the six nfit_test scenarios in order (security changes last, since
# they cannot be undone without a reboot). The manifests are in $OUT (written by the test); every
# agent run writes its status as JSON; the host asserts on the files.

# Every ndctl command the agent runs, in order, for the host to check (agent_logged only).
mkdir -p /tmp/shim
cat >/tmp/shim/ndctl <<'SH'
#!/bin/bash
echo "$*" >>/mnt/vmshare/ndctl-calls.log
exec /usr/bin/ndctl "$@"
SH
chmod +x /tmp/shim/ndctl
: >"$OUT/ndctl-calls.log"
agent_logged() { PATH=/tmp/shim:$PATH agent "$@"; }
# Each scenario is a new agent on this node: its own node record (a shared one would carry the
# last ARS and the devices in use from one scenario into the next).
agent_once() { agent_logged --state-dir "/tmp/state-$1" run --once --metrics-port -1 --pool-file "$OUT/$1.yaml" --status-file "$OUT/status-$1.json"; }
driver_of() { local l; l=$(readlink "/sys/bus/dax/devices/$1/driver") && echo "${l##*/}" || echo none; }
mark() { echo "$1 $(now_us)" >>"$OUT/marks"; }

mark boot
step load load_nfit_test
mark loaded
# The layout the scenarios name: QEMU's NVDIMMs on ndbus0 (region0, region1), nfit_test.0's
# interleave set of four security-capable DIMMs as region3, its two-DIMM set as region2.
r3=$(readlink -f /sys/bus/nd/devices/region3)
read -r maps </sys/bus/nd/devices/region3/mappings
if [[ $r3 != */nfit_test.0/* || $maps != 4 || ! -d /sys/bus/nd/devices/region2 ]]; then
  echo "unexpected nd layout: region3=$r3 mappings=$maps" >&2
  ls -l /sys/bus/nd/devices >&2
  exit 3
fi
dimms=()
for i in 0 1 2 3; do read -r m </sys/bus/nd/devices/region3/mapping$i; dimms+=("${m%%,*}"); done
echo "${dimms[*]}" >"$OUT/region3.dimms"

step qns0 ndctl create-namespace -f -e namespace0.0 --mode=devdax
step qns1 ndctl create-namespace -f -e namespace1.0 --mode=devdax
step labels-off ndctl disable-region -b nfit_test.0 all
step labels ndctl init-labels -f -b nfit_test.0 all
step labels-on ndctl enable-region -b nfit_test.0 all
for n in 0 1 2; do step "ns3$n" ndctl create-namespace -r region3 -m devdax -a 4k -s 16M; done
ls /sys/bus/dax/devices >"$OUT/dax-devices"

# ---- 5: kmem refuses dax3.2 (nfit_test gives its range no NUMA node); daxctl leaves it unbound.
step daxctl-refused daxctl reconfigure-device -m system-ram dax3.2
driver_of dax3.2 >"$OUT/dax3.2.after-daxctl"

# ---- 3 (as found), 5 and 6 in one agent pass: encryption Required / Preferred over disabled
# security, Required over QEMU's DIMM (no security), the refused device, QEMU's dax0.0 converting.
mark apply-a
writes_begin
step apply-a agent_once apply-a
writes_end apply-a.writes
state after-a
driver_of dax3.2 >"$OUT/dax3.2.after-agent"

# ---- 1: scrub gate. An error in dax3.1, cleared by the agent's ARS + clear-errors; then two in
# dax3.0 with clearing off and one tolerated: blocked with the count and the ranges.
mark scrub
step inject-1 ndctl inject-error namespace3.1 -B 16 -n 1
step scrub-clear agent_once scrub-clear
step media-after-clear ndctl list -N --media-errors -b nfit_test.0
step inject-2a ndctl inject-error namespace3.0 -B 16 -n 1
step inject-2b ndctl inject-error namespace3.0 -B 256 -n 1
step scrub-block agent_once scrub-block
cp "$OUT/ndctl-calls.log" "$OUT/ndctl-calls.scrub.log"

# ---- 2: poison watch. The agent runs (passes every 10 minutes); a new bad block in dax3.1
# (inject + ARS) must reach its status within seconds.
mark watch
PATH=/tmp/shim:$PATH agent --state-dir /tmp/state-watch run --pool-file "$OUT/watch.yaml" --status-file "$OUT/status-watch.json" \
  --metrics-port -1 --interval 10m --kubelet-dir /tmp/kubelet >"$OUT/watch.out" 2>"$OUT/watch.err" &
apid=$!
# The first pass starts its ARS and does not wait for it (ScrubInProgress); a recheck a few seconds
# later finds it done and brings dax3.1 online: "before" is that status.
for ((i = 0; i < 900; i++)); do
  if [[ -s $OUT/status-watch.json ]]; then
    st=$(<"$OUT/status-watch.json")
    [[ $st != *ScrubInProgress* && $st =~ \"phase\"\ ?:\ ?\"Online\" ]] && break
  fi
  sleep 0.2
done
cp "$OUT/status-watch.json" "$OUT/status-watch-before.json" 2>/dev/null
step inject-3 ndctl inject-error namespace3.1 -B 32 -n 1
step ars ndctl start-scrub nfit_test.0
step ars-wait ndctl wait-scrub nfit_test.0
t0=$(now_us)
seen=-1
for ((i = 0; i < 300; i++)); do
  status=$(<"$OUT/status-watch.json")
  if [[ $status == *'"unhealthyBytes"'* ]]; then seen=$(( ($(now_us) - t0) / 1000 )); break; fi
  sleep 0.1
done
echo "$seen" >"$OUT/watch-latency-ms"
cp "$OUT/status-watch.json" "$OUT/status-watch-after.json"
kill "$apid"
wait "$apid"

# ---- 4: erase on release. A raw namespace of someone else's on two of the same DIMMs (region2)
# must stop it; once it is gone the DIMMs are overwritten with their regions disabled.
mark erase
step raw ndctl create-namespace -r region2 -m raw -s 16M
: >"$OUT/ndctl-calls.log"
step erase-blocked agent_once erase-blocked
cp "$OUT/ndctl-calls.log" "$OUT/ndctl-calls.erase-blocked.log"
raw=$(sed -n 's/.*"dev":"\(namespace[0-9.]*\)".*/\1/p' "$OUT/raw.out" | head -n1)
step destroy ndctl destroy-namespace -f "$raw"
: >"$OUT/ndctl-calls.log"
# The erase's first agent is killed (SIGKILL, as an OOM kill or a node crash would) while a DIMM's
# overwrite runs in the kernel and after the node record says it started; a second agent (the same
# command and state dir) finishes the erase without overwriting that DIMM again. The JVM is exec'd
# from the background subshell, so $! is the agent itself. While an overwrite runs, `security`
# reads `overwrite` or cannot be read (ENOTTY: no state flag set); both count as running, as they
# do for the agent. erase-poll.log has every change the poll saw.
mark erase-kill
(
  PATH=/tmp/shim:$PATH
  exec "$JAVA" $JAVA_OPTS ${AGENT_CDS:+-XX:SharedArchiveFile=$AGENT_CDS} -jar "$AGENT_JAR" \
    --state-dir /tmp/state-erase run --once --metrics-port -1 --pool-file "$OUT/erase.yaml" \
    --status-file "$OUT/status-erase.json"
) >"$OUT/erase-killed-run.out" 2>"$OUT/erase-killed-run.err" &
apid=$!
record=/tmp/state-erase/node-record.json
started_re='"started"[[:space:]]*:[[:space:]]*\{[^}]*"DIMM"'
completed_re='"completed"[[:space:]]*:[[:space:]]*\[[^]]*"DIMM"'
killed=none
seen=
: >"$OUT/erase-poll.log"
t0=$(now_us)
# up to ~120 s: the JVM's start and its first pass under TCG, then the overwrite (~10 s)
while [[ $killed == none ]] && (( $(now_us) - t0 < 120000000 )); do
  [[ -r $record ]] && rec=$(<"$record") || rec=
  now=
  for d in "${dimms[@]}"; do
    s=
    read -r s <"/sys/bus/nd/devices/$d/security" 2>/dev/null
    s=${s:-unreadable}
    at=
    [[ $rec =~ ${started_re/DIMM/$d} ]] && at=started
    [[ $rec =~ ${completed_re/DIMM/$d} ]] && at=completed
    now+="$d=$s${at:+/$at} "
    [[ $killed == none && $at == started && $s != disabled ]] && killed=$d
  done
  if [[ $now != "$seen" ]]; then
    echo "$(( ($(now_us) - t0) / 1000 )) ms: $now" >>"$OUT/erase-poll.log"
    seen=$now
  fi
  [[ $killed == none ]] && sleep 0.1
done
comm=$(cat "/proc/$apid/comm" 2>&1)
kill -9 "$apid"
wait "$apid"
rc=$?
{
  echo "killed $killed after $(( ($(now_us) - t0) / 1000 )) ms (pid $apid $comm, exit $rc)"
  for d in "${dimms[@]}"; do echo "$d $(cat /sys/bus/nd/devices/$d/security 2>&1)"; done
} >"$OUT/erase-killed"
cp "$record" "$OUT/node-record.erase-killed.json" 2>/dev/null
cp "$OUT/ndctl-calls.log" "$OUT/ndctl-calls.erase-killed.log"
# The hard case: the overwrite ends while no agent runs (the kernel looks again after 10 s).
if [[ $killed != none ]]; then
  t0=$(now_us)
  s=
  while (( $(now_us) - t0 < 60000000 )); do
    s=
    read -r s <"/sys/bus/nd/devices/$killed/security" 2>/dev/null
    s=${s:-unreadable}
    [[ $s == disabled ]] && break
    sleep 0.1
  done
  echo "$killed $s after $(( ($(now_us) - t0) / 1000 )) ms" >"$OUT/erase-killed-after"
fi
step erase agent_once erase
cp "$OUT/ndctl-calls.log" "$OUT/ndctl-calls.erase.log"
cp "$record" "$OUT/node-record.erase.json" 2>/dev/null
for d in "${dimms[@]}"; do echo "$d $(cat /sys/bus/nd/devices/$d/security 2>&1)"; done >"$OUT/security-after-erase"

# ---- 3: real security states. Passphrases on all four DIMMs (unlocked), one frozen, one locked.
mark security
step sec-off ndctl disable-region -b nfit_test.0 all
keyctl add user nvdimm-master "$(dd if=/dev/urandom bs=1 count=32 2>/dev/null)" @u >/dev/null
mkdir -p /etc/ndctl/keys
keyctl pipe "$(keyctl search @u user nvdimm-master)" >/etc/ndctl/keys/nvdimm-master.blob
step passphrase ndctl setup-passphrase "${dimms[@]}" -k user:nvdimm-master
step sec-on ndctl enable-region -b nfit_test.0 all
step unlocked agent_once unlocked
step freeze ndctl freeze-security "${dimms[2]}"
step lock-off ndctl disable-region -b nfit_test.0 all
step lock-dimm-off ndctl disable-dimm "${dimms[3]}"
first=${dimms[0]#nmem}
echo 1 >"/sys/devices/platform/nfit_test.0/nfit_test_dimm/test_dimm$((${dimms[3]#nmem} - first))/lock_dimm"
# Without its key the kernel cannot unlock the DIMM when it is enabled again (nvdimm_probe tries).
keyctl clear @u >/dev/null 2>&1
keyctl clear @s >/dev/null 2>&1
step lock-dimm-on ndctl enable-dimm "${dimms[3]}"
cat "/sys/bus/nd/devices/${dimms[3]}/security" >"$OUT/locked-dimm.security" 2>&1
step inventory agent inventory --json
mark end
