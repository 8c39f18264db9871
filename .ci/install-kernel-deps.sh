#!/usr/bin/env bash
# Installs what the real-kernel tests (module e2e, *IT) need and caches Debian's kernels by name:
# the 6.1 LTS and the 6.12 LTS, each where this machine's archive has it.
#
#   sudo .ci/install-kernel-deps.sh [CACHE_DIR]      (default /var/cache/daxtier-kernel)
#
# DAXTIER_KERNELS picks the names (default "6.1 6.12"). A name resolves to a kernel ABI through a
# metapackage, never hard-coded: linux-image-<name>-amd64 where the archive has one (Debian 12
# ships linux-image-6.12-amd64 beside its 6.1 default), else linux-image-amd64 when its ABI is of
# that series (Debian 12: 6.1.0-N-amd64; Debian 13: 6.12.N+deb13-amd64). A name this archive does
# not carry (6.1 on Debian 13) is skipped with a message. Idempotent and quick when everything is
# there. The result:
#   CACHE_DIR/<abi>/boot/vmlinuz-<abi>     the package's bzImage
#   CACHE_DIR/<abi>/boot/vmlinux-<abi>     the uncompressed ELF (payload zstd, xz or gzip), booted
#                                          through PVH (saves 3-6 s/boot); absent when it cannot be
#                                          extracted or has no PVH entry: the harness boots vmlinuz
#   CACHE_DIR/<abi>/lib/modules/<abi>/     modules plus modules.dep (depmod), for modprobe -d
#   CACHE_DIR/kernels                      one line per cached kernel: <name> <abi>; the harness reads it
#   CACHE_DIR/current                      the first of them (one line: <abi>), for older readers
set -euo pipefail

CACHE_DIR=${1:-${DAXTIER_KERNEL_CACHE:-/var/cache/daxtier-kernel}}
read -r -a NAMES <<<"${DAXTIER_KERNELS:-6.1 6.12}"
PACKAGES=(qemu-system-x86 ndctl daxctl busybox-static cpio kmod xz-utils zstd gzip numactl keyutils)
export DEBIAN_FRONTEND=noninteractive

log() { echo "install-kernel-deps: $*" >&2; }

packages_missing() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 0
  done
  return 1
}

# The ABI a metapackage depends on, e.g. 6.1.0-57-amd64 or 6.12.118+deb12-amd64.
meta_abi() {
  apt-cache depends "$1" 2>/dev/null \
    | sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' | head -n1
}

# The ABI of the kernel series NAME (e.g. 6.12) in this archive, or nothing.
resolve_abi() {
  local name=$1 abi
  abi=$(meta_abi "linux-image-$name-amd64")
  if [[ -z $abi ]]; then
    abi=$(meta_abi linux-image-amd64)
    [[ $abi == "$name".* ]] || abi=""
  fi
  echo "$abi"
}

kernel_cached() {
  local abi=$1
  [[ -n $abi && -s $CACHE_DIR/$abi/boot/vmlinuz-$abi && -e $CACHE_DIR/$abi/.extracted \
    && -s $CACHE_DIR/$abi/lib/modules/$abi/modules.dep ]]
}

# Extracts the ELF vmlinux from a bzImage: the x86 boot protocol's setup header says where the
# compressed payload starts (payload_offset at 0x248, from the protected-mode code that follows
# the setup sectors) and how long it is (0x24c); its magic says how it is compressed.
extract_vmlinux() {
  local image=$1 out=$2 setup_sects off len magic
  setup_sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$image" | tr -d ' ')
  ((setup_sects == 0)) && setup_sects=4
  off=$(od -An -tu4 -j $((0x248)) -N4 "$image" | tr -d ' ')
  len=$(od -An -tu4 -j $((0x24c)) -N4 "$image" | tr -d ' ')
  off=$(((setup_sects + 1) * 512 + off))
  magic=$(od -An -tx1 -j "$off" -N6 "$image" | tr -d ' \n')
  local decompress
  case $magic in
    28b52ffd*) decompress=(zstd -dcq) ;;
    fd377a585a00) decompress=(xz -dc --single-stream) ;;
    1f8b*) decompress=(gzip -dcq) ;;
    *) log "unknown payload (magic $magic) in $image"; return 1 ;;
  esac
  # The payload may end with the decompressed size (4 bytes), which the tools call trailing
  # garbage after the stream: their exit status is not the test, the ELF header is.
  tail -c +"$((off + 1))" "$image" | head -c "$len" | "${decompress[@]}" >"$out" 2>/dev/null || true
  if [[ $(head -c4 "$out" | od -An -c | tr -d ' ') != 177ELF ]]; then
    log "the ${decompress[0]} payload of $image did not give an ELF file"
    rm -f "$out"
    return 1
  fi
  # QEMU boots an ELF vmlinux only through its PVH entry note (Xen ELF note 18, XEN_ELFNOTE_PHYS32_ENTRY).
  if command -v readelf >/dev/null && ! readelf -n "$out" 2>/dev/null | grep -Eq '^ *Xen .*\(0x0*12\)'; then
    log "$out has no PVH entry note"
    rm -f "$out"
    return 1
  fi
  log "extracted $(basename "$out") from its ${decompress[0]} payload"
}

fetch_kernel() {
  local abi=$1 work root
  log "fetching linux-image-$abi"
  work=$(mktemp -d)
  chmod 755 "$work" # apt-get download fetches as user _apt
  (cd "$work" && apt-get download -qq "linux-image-$abi")
  rm -rf "${CACHE_DIR:?}/$abi.tmp"
  mkdir -p "$CACHE_DIR/$abi.tmp"
  dpkg-deb -x "$work"/linux-image-"$abi"_*.deb "$CACHE_DIR/$abi.tmp"
  rm -rf "$work"
  root=$CACHE_DIR/$abi.tmp
  extract_vmlinux "$root/boot/vmlinuz-$abi" "$root/boot/vmlinux-$abi" \
    || log "kernel $abi: the guests boot its bzImage (slower: decompression under TCG)"
  touch "$root/.extracted"
  depmod -b "$root" "$abi"
  rm -rf "${CACHE_DIR:?}/$abi"
  mv "$root" "$CACHE_DIR/$abi"
}

resolve_all() {
  local name abi
  resolved=()
  for name in "${NAMES[@]}"; do
    abi=$(resolve_abi "$name")
    resolved+=("$name ${abi:--}")
  done
}

all_cached() {
  local entry
  for entry in "${resolved[@]}"; do
    [[ ${entry#* } == - ]] && continue
    kernel_cached "${entry#* }" || return 1
  done
  return 0
}

write_index() {
  local entry list=() skipped=()
  for entry in "${resolved[@]}"; do
    if [[ ${entry#* } == - ]]; then
      skipped+=("${entry%% *}")
    else
      list+=("$entry")
    fi
  done
  ((${#list[@]} > 0)) || { log "no kernel of ${NAMES[*]} in this archive"; exit 1; }
  mkdir -p "$CACHE_DIR"
  printf '%s\n' "${list[@]}" >"$CACHE_DIR/kernels.tmp"
  mv "$CACHE_DIR/kernels.tmp" "$CACHE_DIR/kernels"
  echo "${list[0]#* }" >"$CACHE_DIR/current"
  for entry in "${skipped[@]}"; do
    log "kernel $entry: not in this machine's archive (Debian $(cat /etc/debian_version 2>/dev/null || echo '?')); its tests are skipped"
  done
  log "ready in $CACHE_DIR: $(printf '%s; ' "${list[@]}")"
}

resolve_all
if ! packages_missing && all_cached; then
  write_index
  exit 0
fi

log "apt-get update"
apt-get update -qq
if packages_missing; then
  log "installing ${PACKAGES[*]}"
  apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
fi
resolve_all
for entry in "${resolved[@]}"; do
  abi=${entry#* }
  [[ $abi == - ]] && continue
  kernel_cached "$abi" || fetch_kernel "$abi"
done
write_index
