#!/usr/bin/env bash
# A local stand-in for node:24-bookworm-slim, for machines that reach no
# container registry: a Debian bookworm root filesystem (mmdebstrap) with this
# machine's own Node.js and npm, and the `node` user (uid 1000) the official
# image has. Lets CI build and run the repository's Dockerfile unchanged
# (`--build-arg NODE_IMAGE=<this tag>`). Prints the tag as the last stdout line.
set -euo pipefail

node_bin=$(readlink -f "$(command -v node)")
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
node_version=$("$node_bin" --version)
inputs_hash=$(cat "$0" /usr/local/share/ca-certificates/* 2>/dev/null | sha256sum | cut -c1-12)
tag="metrics-aggregator/node-local:${node_version#v}-${inputs_hash}"
log() { echo "[node-image] $*" >&2; }

if docker image inspect "$tag" >/dev/null 2>&1; then
  log "cached: $tag"
  echo "$tag"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS
log "building Debian bookworm root filesystem with Node.js $node_version"
# This machine's extra certificate authorities (its registry traffic may pass a TLS-inspecting
# proxy) go in too, so `npm ci` inside `docker build` trusts what the host trusts.
hooks=(--customize-hook='chroot "$1" useradd --create-home --uid 1000 --shell /bin/bash node')
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  hooks+=(--customize-hook='copy-in /usr/local/share/ca-certificates /usr/local/share'
    --customize-hook='chroot "$1" update-ca-certificates')
fi
mmdebstrap --quiet --format=tar --variant=apt --include=ca-certificates bookworm "$work/rootfs.tar" "${hooks[@]}" >&2
mkdir -p "$work/add/usr/local/bin" "$work/add/usr/local/lib/node_modules"
cp "$node_bin" "$work/add/usr/local/bin/node"
cp -r "$npm_dir" "$work/add/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/add/usr/local/bin/npm"
tar --append --file="$work/rootfs.tar" --owner=0 --group=0 -C "$work/add" ./usr/local/bin/node ./usr/local/bin/npm ./usr/local/lib/node_modules
docker import --change 'CMD ["node"]' --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  "$work/rootfs.tar" "$tag" >&2
log "image $tag built in $((SECONDS - start)) s"
echo "$tag"
