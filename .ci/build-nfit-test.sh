#!/usr/bin/env bash
# Builds the kernel's NVDIMM test bus (nfit_test, tools/testing/nvdimm) for the Debian kernel the
# real-kernel tests boot, so the guest can exercise ARS, error injection, clear-errors and NVDIMM
# security, which QEMU's NVDIMM lacks. Cached per kernel ABI; quick when already built.
#
#   .ci/build-nfit-test.sh [CACHE_DIR]     (default /var/cache/daxtier-kernel)
#
# Result: CACHE_DIR/<abi>/nfit_test/*.ko, and CACHE_DIR/<abi>/nfit_test/root/lib/modules/<abi>/: the
# stock modules tree (hard links) with those modules under updates/nfit_test/ and a fresh depmod, so
# `modprobe -d CACHE_DIR/<abi>/nfit_test/root nfit_test` (or the tree bind-mounted on /lib/modules/<abi>
# in the guest) loads the wrapped libnvdimm/nfit/nd_pmem/dax_pmem/device_dax instead of the stock ones.
set -euo pipefail

CACHE_DIR=${1:-${DAXTIER_KERNEL_CACHE:-/var/cache/daxtier-kernel}}
export DEBIAN_FRONTEND=noninteractive
log() { echo "build-nfit-test: $*" >&2; }

abi=$(cat "$CACHE_DIR/current" 2>/dev/null || true)
if [[ -z $abi ]]; then
  abi=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' | head -n1)
fi
out=$CACHE_DIR/$abi/nfit_test
tree=$out/root/lib/modules/$abi

# The guest's modules tree: stock modules hard-linked (same filesystem, no copy), ours in updates/.
# depmod's default search order ("updates" before "built-in") makes the wrapped modules win.
install_tree() {
  [[ -s $tree/modules.dep && $tree/modules.dep -nt $out/.built ]] && return 0
  rm -rf "${out:?}/root"
  mkdir -p "$(dirname "$tree")"
  cp -al "$CACHE_DIR/$abi/lib/modules/$abi" "$tree"
  # depmod rewrites the indexes: give the tree copies, never write through a link into the stock tree.
  local f
  for f in "$tree"/modules.*; do cp --remove-destination "$CACHE_DIR/$abi/lib/modules/$abi/${f##*/}" "$f"; done
  mkdir -p "$tree/updates/nfit_test"
  cp "$out"/*.ko "$tree/updates/nfit_test/"
  depmod -b "$out/root" "$abi"
  grep -q '^updates/nfit_test/nfit_test.ko:' "$tree/modules.dep" \
    || { log "depmod did not index nfit_test in $tree"; exit 1; }
  log "modules tree: $tree"
}

if [[ -s $out/nfit_test.ko && -s $out/.built ]]; then
  log "cached: $out"
  install_tree
  exit 0
fi

# linux-source and the headers must be the exact version of the booted kernel image.
version=$(apt-cache show "linux-image-$abi" | awk '/^Version:/{print $2; exit}')
if ! dpkg-query -W -f='${Version}' "linux-headers-$abi" 2>/dev/null | grep -qx "$version" \
   || ! dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null | grep -qx "$version"; then
  log "installing linux-source-6.1=$version linux-headers-$abi=$version"
  apt-get update -qq
  apt-get install -y -qq "linux-source-6.1=$version" "linux-headers-$abi=$version" >/dev/null
fi

work=$(mktemp -d /tmp/nfit-build.XXXXXX)
trap 'rm -rf "$work"' EXIT
log "unpacking the NVDIMM, NFIT and DAX sources"
tar -C "$work" -xJf /usr/src/linux-source-6.1.tar.xz --strip-components=1 --wildcards \
  'linux-source-6.1/tools/testing/nvdimm' 'linux-source-6.1/drivers/nvdimm' \
  'linux-source-6.1/drivers/acpi/nfit' 'linux-source-6.1/drivers/dax'
src=$work/tools/testing/nvdimm

# Debian's headers tree has no drivers/: point the include paths at the unpacked source.
sed -i "s|-I\$(srctree)/drivers/|-I$work/drivers/|g" "$src/Kbuild" "$src/test/Kbuild"

# Fix 1: device_dax's dax_pgoff_to_phys() must translate nfit_test's fake physical address into
# the test resource's vmalloc buffer before vmalloc_to_page(), or the first write through an
# mmapped nfit_test devdax oopses the guest.
python3 - "$src/dax-dev.c" <<'PY'
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
assert old in s, "dax-dev.c changed upstream: revisit the fix"
open(p, "w").write(s.replace(old, new))
PY

# Fix 2: nfit_test's fake physical address pool starts at 4 GiB, exactly where QEMU places
# -device nvdimm when the guest has <= 3 GiB of RAM; move it to 64 GiB so both coexist.
grep -q 'gen_pool_add(nfit_pool, SZ_4G, SZ_4G' "$src/test/nfit.c"
sed -i 's/gen_pool_add(nfit_pool, SZ_4G, SZ_4G/gen_pool_add(nfit_pool, 16ULL * SZ_4G, SZ_4G/' "$src/test/nfit.c"

log "building against /usr/src/linux-headers-$abi"
start=$(date +%s)
make -s -C "/usr/src/linux-headers-$abi" M="$src" -j"$(nproc)" modules >"$work/build.log" 2>&1 \
  || { tail -n 40 "$work/build.log" >&2; exit 1; }
mkdir -p "$out"
find "$src" -name '*.ko' -exec cp {} "$out/" \;
echo "$version $(date -u +%FT%TZ)" > "$out/.built"
log "built $(ls "$out"/*.ko | wc -l) modules in $(( $(date +%s) - start )) s: $out"
install_tree
