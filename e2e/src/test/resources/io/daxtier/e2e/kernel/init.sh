#!/bin/busybox sh
# PID 1 of the test guest. Loads the modules, mounts the host's root read-only under a tmpfs
# overlay, chroots into it to run /mnt/vmshare/run.sh, hands the results back and powers off.
/bin/busybox mkdir -p /proc /sys /dev /share /lower /rw /newroot
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules.order); do insmod "/modules/$m" || echo "init: insmod $m failed"; done
read -r boot_mods _ </proc/uptime

if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 vmshare /share; then
  echo "init: cannot mount vmshare"; poweroff -f
fi
. /share/.vm/env
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /lower
mount -t tmpfs -o size=1g tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot
R=/newroot
# proc must be mounted inside the chroot: glibc resolves the java launcher's $ORIGIN RPATH
# through /proc/self/exe, without it libjli.so is not found (real-kernel-notes, finding 1).
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
# devtmpfs has no /dev/fd (udev makes it); bash's process substitution needs it.
ln -sf /proc/self/fd $R/dev/fd
ln -sf /proc/self/fd/0 $R/dev/stdin
ln -sf /proc/self/fd/1 $R/dev/stdout
ln -sf /proc/self/fd/2 $R/dev/stderr
mount -t devpts devpts $R/dev/pts
mount -t tmpfs tmpfs $R/dev/shm
# /tmp stays the overlay (writable, upper in tmpfs) so a checkout under the host's /tmp, where CI
# may clone, is still visible in the guest.
mount -t tmpfs tmpfs $R/run
mount -t debugfs debugfs $R/sys/kernel/debug
mkdir -p $R/mnt/vmshare "$R/lib/modules/$KERNEL_ABI"
mount --bind /share $R/mnt/vmshare
mount --bind "$R$KERNEL_MODULES" "$R/lib/modules/$KERNEL_ABI"
# The booted kernel's config where a distribution keeps it (/boot/config-$(uname -r)): the agent
# reads the memory-hotplug build default from it.
if [ -n "$KERNEL_CONFIG" ] && [ -r "$R$KERNEL_CONFIG" ]; then
  mkdir -p $R/boot && cp "$R$KERNEL_CONFIG" "$R/boot/config-$KERNEL_ABI"
fi

read -r cmd_start _ </proc/uptime
# The host's boot watchdog waits for this: a guest that never gets here is booted again.
echo "$cmd_start" >/share/.vm/started
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  LANG=C.UTF-8 TERM=dumb OUT=/mnt/vmshare \
  chroot $R /usr/bin/timeout -k 5 "$GUEST_TIMEOUT" /bin/bash /mnt/vmshare/run.sh \
  >/share/stdout.txt 2>/share/stderr.txt
rc=$?
read -r cmd_end _ </proc/uptime
dmesg >/share/dmesg.txt
echo "modules_loaded=$boot_mods cmd_start=$cmd_start cmd_end=$cmd_end" >/share/timing.txt
echo $rc >/share/exit_code
sync
poweroff -f
