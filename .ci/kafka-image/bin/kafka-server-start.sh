#!/bin/sh
if [ $# -lt 1 ]; then
  echo "USAGE: $0 server.properties [--override property=value]*" >&2
  exit 1
fi
exec "$(dirname "$0")/kafka-run-class.sh" kafka.Kafka "$@"
