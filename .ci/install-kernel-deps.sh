#!/usr/bin/env bash
# Installs what the real-kernel tests (module e2e, *IT) need and caches Debian's current 6.1 kernel.
#
#   sudo .ci/install-kernel-deps.sh [CACHE_DIR]      (default /var/cache/daxtier-kernel)
#
# Idempotent and quick when everything is there. The kernel ABI name (e.g. 6.1.0-56-amd64) is
# resolved from the linux-image-amd64 metapackage's dependency, never hard-coded. The result:
#   CACHE_DIR/<abi>/boot/vmlinuz-<abi>     the package's bzImage
#   CACHE_DIR/<abi>/boot/vmlinux-<abi>     the uncompressed ELF, booted through PVH (saves 3-6 s/boot)
#   CACHE_DIR/<abi>/lib/modules/<abi>/     modules plus modules.dep (depmod), for modprobe -d
#   CACHE_DIR/current                      one line: <abi>; the harness reads it
set -euo pipefail

CACHE_DIR=${1:-${DAXTIER_KERNEL_CACHE:-/var/cache/daxtier-kernel}}
PACKAGES=(qemu-system-x86 ndctl daxctl busybox-static cpio kmod xz-utils numactl keyutils)
export DEBIAN_FRONTEND=noninteractive

log() { echo "install-kernel-deps: $*" >&2; }

packages_missing() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 0
  done
  return 1
}

# Prints the ABI name the metapackage depends on, e.g. 6.1.0-56-amd64.
resolve_abi() {
  apt-cache depends linux-image-amd64 2>/dev/null \
    | sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' | head -n1
}

kernel_cached() {
  local abi=$1
  [[ -n $abi && -s $CACHE_DIR/$abi/boot/vmlinux-$abi \
    && -s $CACHE_DIR/$abi/lib/modules/$abi/modules.dep ]]
}

updated=no
apt_update() {
  if [[ $updated == no ]]; then
    log "apt-get update"
    apt-get update -qq
    updated=yes
  fi
}

abi=$(resolve_abi || true)
if ! packages_missing && kernel_cached "$abi"; then
  echo "$abi" >"$CACHE_DIR/current"
  log "everything present (kernel $abi in $CACHE_DIR)"
  exit 0
fi

apt_update
if packages_missing; then
  log "installing ${PACKAGES[*]}"
  apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
fi

abi=$(resolve_abi)
[[ -n $abi ]] || { log "cannot resolve the ABI of linux-image-amd64"; exit 1; }

if ! kernel_cached "$abi"; then
  log "fetching linux-image-$abi"
  work=$(mktemp -d)
  chmod 755 "$work" # apt-get download fetches as user _apt
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download -qq "linux-image-$abi")
  rm -rf "${CACHE_DIR:?}/$abi.tmp"
  mkdir -p "$CACHE_DIR/$abi.tmp"
  dpkg-deb -x "$work"/linux-image-"$abi"_*.deb "$CACHE_DIR/$abi.tmp"
  root=$CACHE_DIR/$abi.tmp
  # vmlinuz is a bzImage whose payload is XZ; the first XZ stream is the ELF vmlinux.
  offset=$( (LC_ALL=C grep -m1 -obUaP '\xfd7zXZ\x00' "$root/boot/vmlinuz-$abi" || true) \
    | head -n1 | cut -d: -f1)
  [[ -n $offset ]] || { log "no XZ payload in vmlinuz-$abi"; exit 1; }
  tail -c +"$((offset + 1))" "$root/boot/vmlinuz-$abi" | xz -dc --single-stream \
    >"$root/boot/vmlinux-$abi" 2>/dev/null || true
  [[ $(head -c4 "$root/boot/vmlinux-$abi" | od -An -c | tr -d ' ') == 177ELF ]] \
    || { log "extracted vmlinux-$abi is not an ELF file"; exit 1; }
  depmod -b "$root" "$abi"
  rm -rf "${CACHE_DIR:?}/$abi"
  mv "$root" "$CACHE_DIR/$abi"
fi
echo "$abi" >"$CACHE_DIR/current"
log "ready: kernel $abi in $CACHE_DIR"
