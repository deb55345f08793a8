#!/usr/bin/env bash
# Build one image per TensorFlow release, run each, and collect the reports.
#
#   docker/build_all.sh                 # every release 2.12 ... 2.21
#   docker/build_all.sh 2.12 2.21       # just these
#   ENGINE=podman docker/build_all.sh   # with podman instead of docker
#   RESULTS=out IMAGE=me/tf1repro ...   # reports into out/, images named me/tf1repro:tf-<release>
#
# Every release runs twice, with TensorFlow's default kernels and with oneDNN off
# (TF_ENABLE_ONEDNN_OPTS=0, labelled <release>-onednn-off).
# Leaves in RESULTS (default docker-results): tf-<release>-build.log (the build's output),
# tf-<release>.md (what each container printed), tf-<release>.json (its result record) and
# compatibility.md (all of them in one table). Exit code 1 when any release failed a check.
# Images take about 2.8 GB each: set KEEP_IMAGES=1 to keep them.
set -uo pipefail

# RESULTS is relative to where the script is called from; the builds run from the checkout.
mkdir -p "${RESULTS:-docker-results}"
out="$(cd "${RESULTS:-docker-results}" && pwd)"
cd "$(dirname "$0")/.."
engine="${ENGINE:-docker}"
if [ "$engine" = podman ] && [ -z "${CONTAINERS_CONF:-}" ]; then
    export CONTAINERS_CONF="$PWD/docker/containers.conf"
fi
releases=("$@")
[ ${#releases[@]} -gt 0 ] || releases=(2.12 2.13 2.14 2.15 2.16 2.17 2.18 2.19 2.20 2.21)

status=0
last=""
for release in "${releases[@]}"; do
    image="${IMAGE:-tf1repro}:tf-$release"
    echo "== TensorFlow $release: building $image"
    if ! "$engine" build -f docker/Dockerfile --build-arg "TF_VERSION=$release" -t "$image" . \
        >"$out/tf-$release-build.log" 2>&1; then
        echo "   build failed: see $out/tf-$release-build.log" | tee "$out/tf-$release.md"
        status=1
        continue
    fi
    # Each release on both CPU kernel paths: TensorFlow's default, then oneDNN off.
    for variant in "" "-onednn-off"; do
        label="$release$variant"
        container="tf1repro-matrix-$label"
        options=()
        command=()
        if [ -n "$variant" ]; then
            options=(-e TF_ENABLE_ONEDNN_OPTS=0)
            command=(python -m tools.matrix run --release "$label" --out /home/tf1repro/result.json)
        fi
        "$engine" rm -f "$container" >/dev/null 2>&1
        "$engine" create --name "$container" "${options[@]}" "$image" "${command[@]}" >/dev/null
        "$engine" start -a "$container" >"$out/tf-$label.md" 2>&1 || status=1
        "$engine" cp "$container:/home/tf1repro/result.json" "$out/tf-$label.json" \
            && chmod a+r "$out/tf-$label.json"
        "$engine" rm "$container" >/dev/null
        tail -n 2 "$out/tf-$label.md" | head -n 1
        if ! grep -q "^TensorFlow ${release//./\\.}\.[0-9]* (" "$out/tf-$label.md"; then
            echo "   the image does not run TensorFlow $release"
            status=1
        fi
    done
    if [ -n "$last" ] && [ "${KEEP_IMAGES:-0}" != 1 ]; then "$engine" rmi "$last" >/dev/null; fi
    last="$image"
done

if [ -n "$last" ]; then
    "$engine" run --rm -v "$out:/results:ro" "$last" python -m tools.matrix report /results \
        >"$out/compatibility.md" \
        && echo "== all reports: $out/compatibility.md"
    [ "${KEEP_IMAGES:-0}" = 1 ] || "$engine" rmi "$last" >/dev/null
fi
exit "$status"
