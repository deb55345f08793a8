#!/usr/bin/env bash
# Build the debian:bookworm-slim base image locally, for machines that reach Debian's archive
# but no image registry. The Dockerfile then builds unchanged ("FROM debian:bookworm-slim"
# resolves to this image; never build with --pull=always).
#
# Needs root, podman, runc and debootstrap (Debian: apt-get install podman runc debootstrap).
# Uses the Debian mirror this host's apt is configured with, or DEBIAN_MIRROR and
# DEBIAN_SECURITY_MIRROR when set. Takes about a minute.
#
#   sudo docker/make_local_base.sh            # then: podman build -f docker/Dockerfile .
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
image="docker.io/library/debian:bookworm-slim"

for tool in podman debootstrap; do
    command -v "$tool" >/dev/null || { echo "error: $tool is missing (apt-get install podman runc debootstrap)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "error: debootstrap needs root" >&2; exit 2; }

# The mirrors apt uses here: URIs in deb822 .sources files, or "deb URI ..." lines.
# (Missing files are normal here, hence the "|| true".)
apt_uris() {
    { cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } | awk '/^URIs:/ {for (i = 2; i <= NF; i++) print $i}'
    { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } | awk '$1 == "deb" {print ($2 ~ /^\[/ ? $3 : $2)}'
}
mirror="${DEBIAN_MIRROR:-$(apt_uris | grep -v -- '-security' | sed -n 1p || true)}"
security="${DEBIAN_SECURITY_MIRROR:-$(apt_uris | grep -- '-security' | sed -n 1p || true)}"
[ -n "$mirror" ] || { echo "error: no Debian mirror found in apt's sources; set DEBIAN_MIRROR" >&2; exit 2; }
security="${security:-${mirror%/debian}/debian-security}"

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT

echo "debootstrap bookworm from $mirror ..."
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
rm -f "$rootfs"/etc/apt/sources.list
cat >"$rootfs"/etc/apt/sources.list.d/debian.sources <<SOURCES
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES

# HTTPS inside the image (pip) trusts what this host trusts, including a local CA if any.
mkdir -p "$rootfs"/etc/ssl/certs "$rootfs"/usr/local/share/ca-certificates
cp /etc/ssl/certs/ca-certificates.crt "$rootfs"/etc/ssl/certs/
cp /usr/local/share/ca-certificates/*.crt "$rootfs"/usr/local/share/ca-certificates/ 2>/dev/null || true

tar -C "$rootfs" -c . | podman import --change 'CMD ["bash"]' - localhost/debian-local:bookworm-slim >/dev/null
podman tag localhost/debian-local:bookworm-slim "$image"
echo "built $image ($(podman image inspect --format '{{.Size}}' "$image") bytes)"
