#!/usr/bin/env bash
# Builds the kernel's NVDIMM test bus (nfit_test, tools/testing/nvdimm) for the Debian kernels the
# real-kernel tests boot, so the guest can exercise ARS, error injection, clear-errors and NVDIMM
# security, which QEMU's NVDIMM lacks. Cached per kernel ABI; quick when already built.
#
#   .ci/build-nfit-test.sh [CACHE_DIR]     (default /var/cache/daxtier-kernel)
#
# Which kernels: DAXTIER_NFIT_KERNELS (series names of CACHE_DIR/kernels, e.g. "6.1"); by default
# every cached kernel (6.1 and 6.12 on Debian 12, 6.12 on Debian 13): each build costs the
# linux-source/linux-headers download and ~30 s of unpacking and compiling on 2 cores, once per ABI.
# Every cached kernel without a build gets CACHE_DIR/<abi>/nfit_test/SKIPPED, one line saying why
# (the harness skips its nfit_test ITs with that reason); a successful build removes it. A kernel
# whose build fails gets SKIPPED with the failure too; the script fails only when none of the
# kernels asked for is built.
#
# Result: CACHE_DIR/<abi>/nfit_test/*.ko, and CACHE_DIR/<abi>/nfit_test/root/lib/modules/<abi>/: the
# stock modules tree (hard links) with those modules under updates/nfit_test/ and a fresh depmod, so
# `modprobe -d CACHE_DIR/<abi>/nfit_test/root nfit_test` (or the tree bind-mounted on /lib/modules/<abi>
# in the guest) loads the wrapped libnvdimm/nfit/nd_pmem/dax_pmem/device_dax instead of the stock ones.
set -euo pipefail

CACHE_DIR=${1:-${DAXTIER_KERNEL_CACHE:-/var/cache/daxtier-kernel}}
export DEBIAN_FRONTEND=noninteractive
log() { echo "build-nfit-test: $*" >&2; }
# The build recipe's version (the fixes below): a cached build made by another recipe is rebuilt.
RECIPE=3

# The cached kernels, "<name> <abi>" per line; older caches have only `current`.
kernels=()
if [[ -s $CACHE_DIR/kernels ]]; then
  mapfile -t kernels < <(awk 'NF == 2' "$CACHE_DIR/kernels")
elif [[ -s $CACHE_DIR/current ]]; then
  abi=$(cat "$CACHE_DIR/current")
  kernels=("$(cut -d. -f1,2 <<<"$abi") $abi")
fi
((${#kernels[@]} > 0)) || { log "no kernel cached in $CACHE_DIR: run .ci/install-kernel-deps.sh first"; exit 1; }
all_names=$(printf '%s\n' "${kernels[@]}" | awk '{print $1}' | xargs)
read -r -a wanted <<<"${DAXTIER_NFIT_KERNELS:-$all_names}"
for name in "${wanted[@]}"; do
  [[ " $all_names " == *" $name "* ]] || log "kernel $name: not cached in $CACHE_DIR (cached: $all_names); nothing to build"
done

# The guest's modules tree: stock modules hard-linked (same filesystem, no copy), ours in updates/.
# depmod's default search order ("updates" before "built-in") makes the wrapped modules win.
install_tree() {
  local abi=$1 out=$2 tree=$2/root/lib/modules/$1 f
  [[ -s $tree/modules.dep && $tree/modules.dep -nt $out/.built ]] && return 0
  rm -rf "${out:?}/root"
  mkdir -p "$(dirname "$tree")"
  cp -al "$CACHE_DIR/$abi/lib/modules/$abi" "$tree"
  # depmod rewrites the indexes: give the tree copies, never write through a link into the stock tree.
  for f in "$tree"/modules.*; do cp --remove-destination "$CACHE_DIR/$abi/lib/modules/$abi/${f##*/}" "$f"; done
  mkdir -p "$tree/updates/nfit_test"
  cp "$out"/*.ko "$tree/updates/nfit_test/"
  depmod -b "$out/root" "$abi"
  grep -q '^updates/nfit_test/nfit_test.ko:' "$tree/modules.dep" \
    || { log "depmod did not index nfit_test in $tree"; return 1; }
  log "modules tree: $tree"
}

# Builds nfit_test for one kernel; runs in a subshell. On failure it leaves the reason in $out/.failed.
build() {
  local abi=$1 out=$2 series version work hdr src pkgs deps start t
  fail() { echo "$*" >"$out/.failed"; log "kernel $abi: $*"; exit 1; }
  series=$(cut -d. -f1,2 <<<"$abi") # 6.1.0-57-amd64 -> 6.1, 6.12.118+deb12-amd64 -> 6.12
  # linux-source and the headers must be the exact version of the booted kernel image.
  version=$(apt-cache show "linux-image-$abi" 2>/dev/null | awk '/^Version:/{print $2; exit}')
  [[ -n $version ]] || fail "linux-image-$abi is not in this machine's apt archive: cannot find its source"
  rm -f "$out"/*.ko "$out/.built"
  rm -rf "${out:?}/root"

  work=$(mktemp -d /tmp/nfit-build.XXXXXX)
  # shellcheck disable=SC2064 # $work is local: expand it now
  trap "rm -rf '$work'" EXIT
  chmod 755 "$work"
  mkdir "$work/debs"
  chown _apt "$work/debs" 2>/dev/null || true # apt-get download fetches as user _apt
  start=$(date +%s)
  apt-get update -qq || log "apt-get update failed; trying with the lists there are"
  if ! dpkg-query -W -f='${Version}' "linux-source-$series" 2>/dev/null | grep -qx "$version"; then
    log "kernel $abi: installing linux-source-$series=$version"
    apt-get install -y -qq --no-install-recommends "linux-source-$series=$version" >/dev/null \
      || fail "cannot install linux-source-$series=$version"
  fi
  # The headers are unpacked, not installed: from 6.12 on linux-headers-<abi> depends on
  # linux-image-<abi>, which would put a kernel (and its postinst hooks) on this machine. The
  # common headers and the kbuild tools come with it; their other dependencies (the compiler the
  # kernel was built with, pahole, ...) are installed.
  pkgs=("linux-headers-$abi")
  mapfile -t -O 1 pkgs < <(apt-cache depends "linux-headers-$abi=$version" 2>/dev/null \
    | sed -n 's/^ *|\{0,1\}Depends: \(linux-headers-.*-common\|linux-kbuild-.*\)$/\1/p')
  ((${#pkgs[@]} >= 3)) || fail "linux-headers-$abi=$version: no -common and linux-kbuild dependencies in apt-cache"
  mapfile -t deps < <(for p in "${pkgs[@]}"; do apt-cache depends "$p=$version"; done 2>/dev/null \
    | sed -n 's/^ *Depends: \([^<][^ ]*\)$/\1/p' | grep -v '^linux-\(headers\|kbuild\|image\)-' | sort -u)
  deps+=(make xz-utils)
  if ! dpkg-query -W -f='${Status}\n' "${deps[@]}" 2>/dev/null | grep -c 'install ok installed' \
      | grep -qx "${#deps[@]}"; then
    log "kernel $abi: installing ${deps[*]}"
    apt-get install -y -qq --no-install-recommends "${deps[@]}" >/dev/null || fail "cannot install ${deps[*]}"
  fi
  log "kernel $abi: fetching ${pkgs[*]} ($version)"
  (cd "$work/debs" && apt-get download -qq "${pkgs[@]/%/=$version}") || fail "cannot download ${pkgs[*]} at $version"
  hdr=$work/headers
  for p in "$work"/debs/*.deb; do dpkg-deb -x "$p" "$hdr"; done
  # The arch headers' Makefile includes the common one by its absolute path under /usr/src.
  sed -i "s|^include /usr/src/|include $hdr/usr/src/|" "$hdr/usr/src/linux-headers-$abi/Makefile"
  grep -q "^include $hdr/" "$hdr/usr/src/linux-headers-$abi/Makefile" \
    || fail "linux-headers-$abi: its Makefile does not include the common headers by path any more"
  log "kernel $abi: packages fetched and unpacked in $(($(date +%s) - start)) s"

  start=$(date +%s)
  log "kernel $abi: unpacking the NVDIMM, NFIT and DAX sources of linux-source-$series"
  tar -C "$work" -xJf "/usr/src/linux-source-$series.tar.xz" --strip-components=1 --wildcards \
    "linux-source-$series/tools/testing/nvdimm" "linux-source-$series/drivers/nvdimm" \
    "linux-source-$series/drivers/acpi/nfit" "linux-source-$series/drivers/dax" \
    || fail "cannot unpack /usr/src/linux-source-$series.tar.xz"
  src=$work/tools/testing/nvdimm

  # Debian's headers tree has no drivers/: point the include paths at the unpacked source.
  sed -i "s|-I\$(srctree)/drivers/|-I$work/drivers/|g" "$src/Kbuild" "$src/test/Kbuild"

  # Fix 1: device_dax's dax_pgoff_to_phys() must translate nfit_test's fake physical address into
  # the test resource's vmalloc buffer before vmalloc_to_page(), or the first write through an
  # mmapped nfit_test devdax oopses the guest. Still needed on 6.12: its dax-dev.c is 6.1's.
  python3 - "$src/dax-dev.c" <<'PY' || fail "dax-dev.c changed upstream: revisit fix 1 (dax_pgoff_to_phys)"
import sys
p = sys.argv[1]; s = open(p).read()
old = """			if (get_nfit_res(addr)) {
				struct page *page;

				if (dev_dax->region->align > PAGE_SIZE)
					return -1;

				page = vmalloc_to_page((void *)addr);"""
new = """			struct nfit_test_resource *res = get_nfit_res(addr);

			if (res) {
				struct page *page;

				if (dev_dax->region->align > PAGE_SIZE)
					return -1;

				page = vmalloc_to_page(res->buf + (addr - res->res.start));"""
assert s.count(old) == 1, "dax-dev.c changed upstream: revisit the fix"
open(p, "w").write(s.replace(old, new))
PY

  # Fix 2: nfit_test's fake physical address pool starts at 4 GiB, exactly where QEMU places
  # -device nvdimm when the guest has <= 3 GiB of RAM; move it to 64 GiB so both coexist.
  # Same line in 6.1 and 6.12.
  grep -q 'gen_pool_add(nfit_pool, SZ_4G, SZ_4G' "$src/test/nfit.c" \
    || fail "test/nfit.c changed upstream: revisit fix 2 (the fake address pool at SZ_4G)"
  sed -i 's/gen_pool_add(nfit_pool, SZ_4G, SZ_4G/gen_pool_add(nfit_pool, 16ULL * SZ_4G, SZ_4G/' "$src/test/nfit.c"
  grep -q 'gen_pool_add(nfit_pool, 16ULL \* SZ_4G, SZ_4G' "$src/test/nfit.c" || fail "fix 2 did not apply"

  # Fix 3 (kernels since 6.2): after a security operation (overwrite, unlock) the region driver
  # invalidates the CPU caches before it enables a region again, and in a virtual machine
  # (cpu_cache_has_invalidate_memregion() is false under a hypervisor) it refuses instead:
  # "Failed to synchronize CPU cache state", the region stays disabled. The kernel's own unit
  # tests build libnvdimm with CONFIG_NVDIMM_SECURITY_TEST for this (it bypasses the invalidation
  # and makes `security` poll the mock DIMM); Debian's config leaves it off, so our test build of
  # libnvdimm defines it. 6.1 has no such check and is built as before.
  if grep -q 'IS_ENABLED(CONFIG_NVDIMM_SECURITY_TEST)' "$work/drivers/nvdimm/region_devs.c"; then
    echo 'ccflags-y += -DCONFIG_NVDIMM_SECURITY_TEST=1' >>"$src/Kbuild"
    log "kernel $abi: libnvdimm built with CONFIG_NVDIMM_SECURITY_TEST (regions re-enable after overwrite in a VM)"
  fi

  log "kernel $abi: compiling against linux-headers-$abi"
  t=$(date +%s)
  if ! make -s -C "$hdr/usr/src/linux-headers-$abi" M="$src" -j"$(nproc)" modules >"$out/build.log" 2>&1; then
    tail -n 40 "$out/build.log" >&2
    fail "compiling failed ($(grep -m1 -E 'error|Error' "$out/build.log" | cut -c1-200)); log: $out/build.log"
  fi
  find "$src" -name '*.ko' -exec cp {} "$out/" \;
  [[ -s $out/nfit_test.ko ]] || fail "the build made no nfit_test.ko; log: $out/build.log"
  echo "$version recipe$RECIPE $(date -u +%FT%TZ)" >"$out/.built"
  log "kernel $abi: compiled $(ls "$out"/*.ko | wc -l) modules in $(($(date +%s) - t)) s (with unpacking $(($(date +%s) - start)) s): $out"
  install_tree "$abi" "$out" || fail "depmod did not index nfit_test"
}

built=0
for entry in "${kernels[@]}"; do
  name=${entry%% *} abi=${entry#* }
  out=$CACHE_DIR/$abi/nfit_test
  mkdir -p "$out"
  if [[ " ${wanted[*]} " != *" $name "* ]]; then
    if [[ -s $out/nfit_test.ko && -s $out/.built ]] && grep -q " recipe$RECIPE " "$out/.built"; then
      log "kernel $name ($abi): not asked for; its cached build stays: $out"
      continue
    fi
    reason="not built: DAXTIER_NFIT_KERNELS='${DAXTIER_NFIT_KERNELS}' leaves it out; DAXTIER_NFIT_KERNELS='$all_names' builds it"
    echo "$reason" >"$out/SKIPPED"
    log "kernel $name ($abi): $reason"
    continue
  fi
  if [[ -s $out/nfit_test.ko && -s $out/.built ]] && grep -q " recipe$RECIPE " "$out/.built"; then
    log "kernel $name ($abi): cached: $out"
    if install_tree "$abi" "$out"; then
      rm -f "$out/SKIPPED"
      built=$((built + 1))
      continue
    fi
  fi
  rm -f "$out/.failed"
  # Not `if (build ...)`: errexit would be off inside the subshell.
  set +e
  (set -e; build "$abi" "$out")
  rc=$?
  set -e
  if ((rc == 0)); then
    rm -f "$out/SKIPPED" "$out/.failed"
    built=$((built + 1))
  else
    reason="nfit_test build failed: $(cat "$out/.failed" 2>/dev/null || echo "see the output of .ci/build-nfit-test.sh")"
    rm -f "$out/.failed" "$out"/*.ko "$out/.built"
    rm -rf "${out:?}/root"
    echo "$reason" >"$out/SKIPPED"
    log "kernel $name ($abi): WARNING: $reason; its nfit_test ITs are skipped"
  fi
done
((built > 0)) || { log "nfit_test is built for none of: ${wanted[*]}"; exit 1; }
