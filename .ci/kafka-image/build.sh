#!/usr/bin/env bash
# Builds a local Kafka image laid out like the official apache/kafka image
# (/opt/kafka/{bin,libs,config}) from Apache Kafka's own jars on Maven Central
# and a Debian root filesystem with a JRE. For machines with a Docker engine
# but no reachable registry. Prints the image tag as the last line of stdout.
# Cached twice: the root filesystem by (suite, JRE); the image by a hash of
# every input, so it is rebuilt only when one of them changes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${METRICS_AGGREGATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/metrics-aggregator}
suite=bookworm
jre=openjdk-17-jre-headless
kafka_version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")

inputs_hash=$(
  cd "$here"
  { find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; echo "$suite $jre"; } | sha256sum | cut -c1-12
)
tag="metrics-aggregator/kafka-local:${kafka_version}-${inputs_hash}"

log() { echo "[kafka-image] $*" >&2; }

if docker image inspect "$tag" >/dev/null 2>&1; then
  log "cached: $tag"
  echo "$tag"
  exit 0
fi

mkdir -p "$cache"
rootfs="$cache/rootfs-${suite}-${jre}.tar"
if [ ! -s "$rootfs" ]; then
  log "building Debian $suite root filesystem with $jre (mmdebstrap)"
  start=$SECONDS
  mmdebstrap --quiet --format=tar --variant=apt --include="$jre" "$suite" "$rootfs.partial" >&2
  mv "$rootfs.partial" "$rootfs"
  log "root filesystem built in $((SECONDS - start)) s"
else
  log "root filesystem cached: $rootfs"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS
log "resolving org.apache.kafka:kafka_2.13:$kafka_version and its dependencies (Maven)"
mvn -q -B -Dstyle.color=never -f "$here/pom.xml" dependency:copy-dependencies \
  -DoutputDirectory="$work/opt/kafka/libs" -DincludeScope=runtime >&2
cp -r "$here/bin" "$here/config" "$work/opt/kafka/"
chmod 0755 "$work/opt/kafka/bin/"*.sh

cp "$rootfs" "$work/image.tar"
tar --append --file="$work/image.tar" --owner=0 --group=0 -C "$work" ./opt/kafka
docker import \
  --change 'ENV PATH=/opt/kafka/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'WORKDIR /opt/kafka' \
  --change 'EXPOSE 9092' \
  --change 'CMD ["/opt/kafka/bin/kafka-server-start.sh", "/opt/kafka/config/server.properties"]' \
  "$work/image.tar" "$tag" >&2
log "image $tag built in $((SECONDS - start)) s (plus the root filesystem)"
echo "$tag"
