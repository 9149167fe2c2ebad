#!/usr/bin/env bash
# Build the app exporter image with buildah; print the image reference as the last line.
#
#   exporter/scripts/build-image.sh            # -> localhost/app-exporter:<version>
#   IMAGE=registry.example.com/app-exporter:0.1.0 BASE_IMAGE=gcr.io/distroless/nodejs22-debian12:nonroot \
#     exporter/scripts/build-image.sh          # publish build on a machine that can pull
#
# Steps: bundle the exporter to one file with esbuild; unless BASE_IMAGE is given, assemble a
# minimal runtime base FROM scratch out of this machine's node binary and the shared
# libraries it links (ldd) -- no registry is needed; then `buildah bud` the Containerfile.
# Storage driver: $STORAGE_DRIVER (default vfs, which works where overlay mounts are not
# allowed); isolation: chroot (no user namespaces needed).
set -euo pipefail

EXPORTER_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=$(cd "$EXPORTER_DIR/.." && pwd)
VERSION=$(node -p "require('$EXPORTER_DIR/package.json').version")
IMAGE=${IMAGE:-localhost/app-exporter:$VERSION}
STORAGE_DRIVER=${STORAGE_DRIVER:-vfs}
BUILDAH=(buildah --storage-driver "$STORAGE_DRIVER")
# BUILDAH_ROOT / BUILDAH_RUNROOT: another image store (the test builds in a fresh one, so a
# base image cached by an earlier build cannot hide a broken base build).
if [[ -n "${BUILDAH_ROOT:-}" ]]; then BUILDAH+=(--root "$BUILDAH_ROOT"); fi
if [[ -n "${BUILDAH_RUNROOT:-}" ]]; then BUILDAH+=(--runroot "$BUILDAH_RUNROOT"); fi

log() { printf 'build-image: %s\n' "$*" >&2; }

command -v buildah >/dev/null || { log "buildah is not installed (apt-get install buildah)"; exit 1; }

# 1. The bundle: one CommonJS file, identifiers kept for readable stack traces.
mkdir -p "$EXPORTER_DIR/dist"
"$ROOT/node_modules/.bin/esbuild" "$EXPORTER_DIR/src/main.ts" \
  --bundle --platform=node --target=node20 --format=cjs \
  --minify-whitespace --minify-syntax --keep-names --legal-comments=none \
  --log-level=warning --outfile="$EXPORTER_DIR/dist/exporter.cjs"
log "bundle: $(stat -c %s "$EXPORTER_DIR/dist/exporter.cjs") bytes"

# 2. The runtime base.
if [[ -z "${BASE_IMAGE:-}" ]]; then
  NODE_BIN=$(readlink -f "$(command -v node)")
  NODE_VERSION=$("$NODE_BIN" --version)
  # Content-addressed tag: a different node binary or library set gives a different base.
  LIBS=$(ldd "$NODE_BIN" | grep -o '/[^ ]*' | sort -u)
  SUM=$( (sha256sum "$NODE_BIN"; for l in $LIBS; do sha256sum "$(readlink -f "$l")"; done) | sha256sum | cut -c1-12)
  BASE_IMAGE="localhost/app-exporter-base:node${NODE_VERSION#v}-$SUM"
  if "${BUILDAH[@]}" inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
    log "base: $BASE_IMAGE (cached)"
  else
    log "base: assembling $BASE_IMAGE from $NODE_BIN"
    ROOTFS=$(mktemp -d)
    trap 'rm -rf "$ROOTFS"' EXIT
    install -D -m 0755 "$NODE_BIN" "$ROOTFS/nodejs/bin/node"
    for lib in $LIBS; do
      # keep the path the dynamic loader looks up (e.g. /lib64/ld-linux-x86-64.so.2)
      install -D -m 0755 "$(readlink -f "$lib")" "$ROOTFS$lib"
    done
    mkdir -p "$ROOTFS/etc" "$ROOTFS/tmp" "$ROOTFS/home/nonroot"
    chmod 1777 "$ROOTFS/tmp"
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$ROOTFS/etc/passwd"
    printf 'root:x:0:\nnonroot:x:65532:\n' >"$ROOTFS/etc/group"
    printf 'hosts: files dns\n' >"$ROOTFS/etc/nsswitch.conf"
    chown -R 0:0 "$ROOTFS" && chown 65532:65532 "$ROOTFS/home/nonroot"
    # the check the image will rely on: node runs from this root alone
    # chroot is resolved here, with this shell's PATH: `env -i` searches only /bin:/usr/bin,
    # and Debian keeps chroot in /usr/sbin.
    CHROOT=$(command -v chroot || true)
    [[ -n "$CHROOT" ]] || for d in /usr/sbin /sbin /usr/bin /bin; do [[ -x "$d/chroot" ]] && CHROOT="$d/chroot" && break; done
    [[ -n "$CHROOT" ]] || { log "chroot not found (coreutils)"; exit 1; }
    env -i "$CHROOT" "$ROOTFS" /nodejs/bin/node -e 'process.exit(0)' || { log "the assembled base cannot run node (missing library?)"; exit 1; }
    CTR=$("${BUILDAH[@]}" from scratch)
    "${BUILDAH[@]}" copy --quiet "$CTR" "$ROOTFS/" / >/dev/null
    "${BUILDAH[@]}" config --user 65532:65532 --workingdir /home/nonroot --entrypoint '["/nodejs/bin/node"]' \
      --label "org.opencontainers.image.description=Local Node.js runtime base (node $NODE_VERSION from the build host)" "$CTR"
    "${BUILDAH[@]}" commit --quiet --rm "$CTR" "$BASE_IMAGE" >/dev/null
    rm -rf "$ROOTFS"
    trap - EXIT
  fi
fi

# 3. The image (the one it replaces under the same tag is removed, not left dangling).
log "image: $IMAGE from $BASE_IMAGE"
OLD_ID=$("${BUILDAH[@]}" images --noheading --no-trunc --format '{{.ID}}' "$IMAGE" 2>/dev/null | head -1 || true)
"${BUILDAH[@]}" bud --quiet --isolation chroot --pull-never \
  --build-arg "BASE_IMAGE=$BASE_IMAGE" --build-arg "VERSION=$VERSION" \
  -f "$EXPORTER_DIR/Containerfile" -t "$IMAGE" "$EXPORTER_DIR" >/dev/null
NEW_ID=$("${BUILDAH[@]}" images --noheading --no-trunc --format '{{.ID}}' "$IMAGE" | head -1)
if [[ -n "$OLD_ID" && "$OLD_ID" != "$NEW_ID" ]]; then
  "${BUILDAH[@]}" rmi "$OLD_ID" >/dev/null 2>&1 || log "note: the previous image $OLD_ID is still in use"
fi
log "image size: $("${BUILDAH[@]}" images --format '{{.Size}}' "$IMAGE" | head -1)"
echo "$IMAGE"
