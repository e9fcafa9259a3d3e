# Debian roots made with debootstrap, for checks on another release or on a clean system.
# Sourced by tools/debian13.sh and tools/deb-check.sh; run as root.
#   make_root SUITE DIR      debootstrap (minbase) DIR once; later calls reuse it
#   mount_root DIR           /proc, /dev and /sys inside DIR (undone by umount_root)
#   in_root DIR COMMAND...   runs COMMAND inside DIR with a clean environment
#   umount_root DIR

GST_GAN_MIRROR="${GST_GAN_MIRROR:-http://deb.debian.org/debian}"

make_root() {
  local suite="$1" dir="$2"
  if [ -x "$dir/usr/bin/apt-get" ] && [ -f "$dir/.gst-gan-root-complete" ]; then
    echo "roots: reusing $dir ($suite)"
  else
    command -v debootstrap > /dev/null || {
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap
    }
    rm -rf "$dir"
    mkdir -p "$(dirname "$dir")"
    echo "roots: debootstrap $suite into $dir"
    debootstrap --variant=minbase "$suite" "$dir" "$GST_GAN_MIRROR" > "$dir.debootstrap.log" 2>&1 || {
      tail -n 30 "$dir.debootstrap.log"
      echo "roots: debootstrap of $suite failed (log: $dir.debootstrap.log)" >&2
      return 1
    }
    # Recommends stay out, as in the project's own setup.
    echo 'APT::Install-Recommends "false";' > "$dir/etc/apt/apt.conf.d/90gst-gan"
    touch "$dir/.gst-gan-root-complete"
  fi
  cp /etc/resolv.conf "$dir/etc/resolv.conf" 2> /dev/null || true
}

mount_root() {
  local dir="$1"
  mountpoint -q "$dir/proc" || mount -t proc proc "$dir/proc"
  mountpoint -q "$dir/sys" || mount -t sysfs sysfs "$dir/sys"
  if ! mountpoint -q "$dir/dev"; then
    mount --rbind /dev "$dir/dev"
    mount --make-rslave "$dir/dev"
  fi
}

umount_root() {
  local dir="$1" m
  for m in "$dir/src" "$dir/dev" "$dir/sys" "$dir/proc"; do
    if mountpoint -q "$m"; then umount -R "$m" || umount -R -l "$m"; fi
  done
}

in_root() {
  local dir="$1"
  shift
  chroot "$dir" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb CI="${CI:-}" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
