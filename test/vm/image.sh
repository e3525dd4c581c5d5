#!/usr/bin/env bash
# Builds (once) the Debian 12 image the VM test boots, from Debian's archive with mmdebstrap:
# a root filesystem made with `mkfs.ext4 -d` (no loop mount, no partition table) and the
# kernel and initrd beside it for QEMU's direct kernel boot. The guest trusts what the host
# trusts (extra CA certificates), so HTTPS through an inspecting proxy works in it too.
# Usage: image.sh DIR   (prints DIR when the image is ready there)
set -euo pipefail
out=${1:?usage: image.sh DIR}
say() { printf '[vm-image] %s\n' "$*" >&2; }

if [ -f "$out/root.raw" ] && [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ]; then
  say "image present in $out"
  echo "$out"
  exit 0
fi
mkdir -p "$out"
work=$(mktemp -d "$out/build.XXXXXX")
trap 'rm -rf "$work"' EXIT

say "mmdebstrap: Debian 12 with kernel, systemd, cloud-init, ssh (a few minutes)"
# The hooks' "$1" is the root directory mmdebstrap hands them: single quotes on purpose.
# shellcheck disable=SC2016
mmdebstrap --variant=important --skip=check/empty \
  --include=linux-image-amd64,initramfs-tools,systemd-sysv,systemd-resolved,udev,cloud-init,openssh-server,ca-certificates,sudo,netbase,iproute2,curl,locales \
  --customize-hook='echo "LABEL=root / ext4 defaults,errors=remount-ro 0 1" > "$1/etc/fstab"' \
  --customize-hook='mkdir -p "$1/etc/systemd/network" && printf "[Match]\nName=en*\n\n[Network]\nDHCP=yes\n" > "$1/etc/systemd/network/10-dhcp.network"' \
  --customize-hook='chroot "$1" systemctl enable systemd-networkd systemd-resolved ssh' \
  --customize-hook='sed -i "s/^# *en_US.UTF-8/en_US.UTF-8/" "$1/etc/locale.gen" && chroot "$1" locale-gen' \
  --customize-hook='printf "datasource_list: [ NoCloud, None ]\nnetwork: {config: disabled}\n" > "$1/etc/cloud/cloud.cfg.d/90-mlflow-lab-test.cfg"' \
  --customize-hook='cp /usr/local/share/ca-certificates/*.crt "$1/usr/local/share/ca-certificates/" 2>/dev/null || true; chroot "$1" update-ca-certificates' \
  --customize-hook='cp "$1"/boot/vmlinuz-* "'"$work"'/vmlinuz"; cp "$1"/boot/initrd.img-* "'"$work"'/initrd.img"' \
  bookworm "$work/rootfs" http://deb.debian.org/debian

say "mkfs.ext4 -d: root filesystem image"
mkfs.ext4 -q -F -L root -d "$work/rootfs" "$work/root.raw" 8G
mv "$work/vmlinuz" "$work/initrd.img" "$work/root.raw" "$out/"
say "image ready in $out ($(du -sh "$out" | cut -f1))"
echo "$out"
