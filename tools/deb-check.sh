#!/usr/bin/env bash
# The Debian package, end to end, as root: builds it (`dpkg-buildpackage -b -us -uc`) from a
# clean copy of the tree, then installs it with apt in a clean Debian root made with debootstrap
# (the running system's release) and checks it there without GST_PLUGIN_PATH or
# GST_GAN_MODELS_DIR: gst-inspect-1.0 finds gangen, `gangen ! gandetect` runs on the installed
# models, the C example builds against libgstgan-1.0-dev with pkg-config and reads the metas,
# and so does the Python example through GstGan-1.0.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/roots.sh
suite="$(. /etc/os-release && echo "$VERSION_CODENAME")"
work="${GST_GAN_DEB_WORK:-/var/tmp/gst-gan-deb}"

bash tools/setup-debian.sh
export DEBIAN_FRONTEND=noninteractive
for p in debhelper dpkg-dev fakeroot; do
  dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" ||
    apt-get install -y -q --no-install-recommends debhelper dpkg-dev fakeroot
done

echo "deb-check: building the package in $work"
rm -rf "$work"
mkdir -p "$work/src"
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -xf - -C "$work/src"
(cd "$work/src" && apt-get build-dep -y -q ./ > "$work/build-dep.log" 2>&1) || {
  tail -n 30 "$work/build-dep.log"
  exit 1
}
(cd "$work/src" && dpkg-buildpackage -b -us -uc -j"$(nproc)") > "$work/build.log" 2>&1 || {
  tail -n 60 "$work/build.log"
  echo "deb-check: dpkg-buildpackage failed (log: $work/build.log)" >&2
  exit 1
}
ls -l "$work"/*.deb

# A clean root: debootstrapped once and kept pristine; every check installs into a fresh copy.
pristine="${GST_GAN_ROOTS:-/var/tmp/gst-gan-roots}/$suite-clean"
make_root "$suite" "$pristine"
root="$work/root"
cp -a "$pristine" "$root"
trap 'umount_root "$root"' EXIT
mount_root "$root"
cp "$work"/*.deb examples/read-meta.c examples/read-meta.py "$root/tmp/"
in_root "$root" bash -euc '
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q > /dev/null
  apt-get install -y -q /tmp/gstreamer1.0-gan_*.deb /tmp/libgstgan-1.0-dev_*.deb \
    gstreamer1.0-tools gstreamer1.0-plugins-base libgstreamer-plugins-base1.0-dev gcc libc6-dev \
    pkg-config python3-gi \
    gir1.2-gstreamer-1.0 > /tmp/install.log 2>&1 || { tail -n 30 /tmp/install.log; exit 1; }
  echo "deb-check: installed; GST_PLUGIN_PATH=${GST_PLUGIN_PATH:-unset}"
  echo "deb-check: gst-inspect-1.0 gangen"
  gst-inspect-1.0 gangen | grep -E "^  (Long-name|Klass|Description)|Filename|Version|Origin"
  echo "deb-check: gangen ! gandetect on the installed models"
  gst-launch-1.0 -m gangen num-buffers=30 ! gandetect ! fakesink 2>&1 | grep -o "gandetect-summary.*"
  echo "deb-check: gandetect ! ganpublish, records against the installed schema"
  gst-launch-1.0 -q gangen num-buffers=5 ! gandetect ! ganpublish location=/tmp/v.jsonl ! fakesink
  test "$(wc -l < /tmp/v.jsonl)" -eq 5
  test -s /usr/share/gst-gan/gst-gan-record.schema.json
  for m in fmnist-detector natural-detector; do
    gst-gan info --model /usr/share/gst-gan/models/$m.gan | grep -E "\"(kind|checksum)\""
  done
  echo "deb-check: the C example, built with pkg-config against libgstgan-1.0-dev"
  cc /tmp/read-meta.c $(pkg-config --cflags --libs gstgan-1.0 gstreamer-app-1.0) -o /tmp/read-meta
  /tmp/read-meta 5
  echo "deb-check: the Python example, through GstGan-1.0"
  python3 /tmp/read-meta.py 5
'
echo "deb-check: passed"
