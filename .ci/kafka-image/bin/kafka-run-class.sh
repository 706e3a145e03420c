#!/bin/sh
# Minimal stand-in for the distribution's kafka-run-class.sh: same classpath
# (/opt/kafka/libs) and the same default log4j2 configuration location.
base_dir=$(dirname "$0")/..
: "${KAFKA_LOG4J_OPTS:=-Dlog4j2.configurationFile=$base_dir/config/log4j2.yaml}"
: "${KAFKA_HEAP_OPTS:=-Xmx1G -Xms256M}"
# shellcheck disable=SC2086
exec java $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $KAFKA_LOG4J_OPTS $KAFKA_OPTS -cp "$base_dir/libs/*" "$@"
