#!/usr/bin/env bash
# Installs everything gst-gan needs on Debian 12 (bookworm: LibTorch 1.13, GStreamer 1.22) or
# Debian 13 (trixie: LibTorch 2.6, GStreamer 1.26), as root (or through sudo).
# Idempotent: apt-get skips what is already there. `--bench` adds what bench/speed.sh needs
# (python3-torch: the Python PyTorch peer, the same libtorch as the core); `--fuzz` adds clang
# and its libFuzzer/sanitizer runtimes for tools/fuzz.sh.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

packages=(
  # build
  g++ meson ninja-build pkg-config python3
  # the core: LibTorch and an optimised BLAS. Debian's libtorch reaches BLAS through
  # libblas.so.3, which otherwise resolves to the reference BLAS: ~20x slower here.
  libtorch-dev libopenblas0-pthread zlib1g-dev nlohmann-json3-dev libjpeg62-turbo-dev
  # the headers of Gloo, which LibTorch's c10d process group (data-parallel training) includes
  libgloo-dev
  # GStreamer: plugin, data sources (appsink, decoders), tools (gst-discoverer-1.0 reads
  # the provenance tags back from files)
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-base-apps
  # H.264 both ways (x264enc, avdec_h264): the watermark's tests and benchmark re-encode with it
  gstreamer1.0-plugins-ugly gstreamer1.0-libav
  # the CLI: arguments, PNG grids and plots (cairo, with a font for the plot labels), H.264
  # round trips for detector training (libavcodec, with x264 inside)
  libcli11-dev libcairo2-dev fonts-dejavu-core libavcodec-dev
  # the meta library's introspection data (Python and other GI languages read the metas)
  gobject-introspection libgirepository1.0-dev
  # ganpublish: MQTT (libmosquitto; Debian's broker for its tests) and Kafka (librdkafka, whose
  # mock cluster its tests use); python3-jsonschema checks every record against the schema
  libmosquitto-dev mosquitto librdkafka-dev python3-jsonschema
  # the MQTT TLS test makes its CA and certificates with openssl
  openssl
  # gst-gan watch --overlay writes the verdict with textoverlay (the pango plugin)
  gstreamer1.0-x
  # data and tests (python3-gi: the Python GI examples, run as tests)
  dataset-fashion-mnist libgtest-dev python3-gi gir1.2-gstreamer-1.0
  # the natural field GAN's and detector's photographs (models/natural-photos.tsv lists which
  # are used; the lomiri ones are the detector's calibration and test scenes)
  mate-backgrounds gnome-backgrounds plasma-workspace-wallpapers lomiri-wallpapers-16.04
  lomiri-wallpapers-20.04
)
# GStreamer >= 1.24 (Debian 13) has the standard analytics meta, in gst-plugins-bad's libraries.
release="$(. /etc/os-release && echo "${VERSION_ID:-99}")"
if [ "${release%%.*}" -ge 13 ]; then
  packages+=(libgstreamer-plugins-bad1.0-dev)
fi

for flag in "$@"; do
  case "$flag" in
  --bench) packages+=(python3-torch python3-numpy) ;;
  # clang uses libstdc++ on Debian, so its targets link against the gcc-built LibTorch.
  --fuzz) packages+=(clang libclang-rt-dev) ;;
  *) echo "setup: unknown flag $flag (known: --bench, --fuzz)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Make OpenBLAS the libblas.so.3 that libtorch loads, whatever else is installed.
multiarch="$(gcc -print-multiarch 2>/dev/null || dpkg-architecture -qDEB_HOST_MULTIARCH)"
openblas="/usr/lib/${multiarch}/openblas-pthread/libblas.so.3"
if [ -e "$openblas" ]; then
  $SUDO update-alternatives --set "libblas.so.3-${multiarch}" "$openblas" >/dev/null
fi
echo "setup: BLAS is $(readlink -f "/usr/lib/${multiarch}/libblas.so.3")"
