"""Produces test events with Python's confluent-kafka (librdkafka), as the
computer-vision service would. Used by the interop tests; not a library.

usage:
  confluent_producer.py codec BOOTSTRAP TOPIC CODEC CAMERA COUNT
  confluent_producer.py transactions BOOTSTRAP TOPIC COMMIT_CAMERA COMMIT_COUNT ABORT_CAMERA ABORT_COUNT
  confluent_producer.py edge-cases BOOTSTRAP TOPIC CAMERA
  confluent_producer.py create-topics BOOTSTRAP PARTITIONS TOPIC...
  confluent_producer.py json-schema BOOTSTRAP TOPIC REGISTRY_URL SCHEMA_FILE CAMERA COUNT
  confluent_producer.py avro BOOTSTRAP TOPIC REGISTRY_URL SCHEMA_FILE CAMERA COUNT
"""
import json
import sys
import uuid

from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic


def detection(camera):
    return json.dumps({
        "event_id": str(uuid.uuid4()),
        "timestamp": "2026-11-20T21:17:01.123Z",
        "camera_id": camera,
        "model_type": "yolov8n",
        "latency_seconds": 0.02,
        "num_objects": 2,
        "num_groups": 1,
    }).encode()


ERRORS = []


def check(err, _msg):
    # Raising inside a librdkafka callback does not stop flush(); collect and fail at the end.
    if err is not None:
        ERRORS.append(str(err))


def codec(bootstrap, topic, compression, camera, count):
    producer = Producer({"bootstrap.servers": bootstrap, "compression.type": compression,
                         "linger.ms": 50, "enable.idempotence": True})
    for _ in range(int(count)):
        producer.produce(topic, detection(camera), on_delivery=check)
    assert producer.flush(30) == 0


def transactions(bootstrap, topic, commit_camera, commit_count, abort_camera, abort_count):
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": f"interop-{uuid.uuid4()}"})
    producer.init_transactions(30)
    producer.begin_transaction()
    for _ in range(int(commit_count)):
        producer.produce(topic, detection(commit_camera), on_delivery=check)
    producer.commit_transaction(30)
    producer.begin_transaction()
    for _ in range(int(abort_count)):
        producer.produce(topic, detection(abort_camera), on_delivery=check)
    producer.flush(30)
    producer.abort_transaction(30)
    # One more committed transaction after the abort, so the consumer must read past the aborted records.
    producer.begin_transaction()
    producer.produce(topic, detection(commit_camera), on_delivery=check)
    producer.commit_transaction(30)


def edge_cases(bootstrap, topic, camera):
    producer = Producer({"bootstrap.servers": bootstrap, "compression.type": "zstd"})
    big_header = ("h" * 65536).encode()
    producer.produce(topic, detection(camera), key=None, headers=[("trace", big_header), ("empty", None)],
                     on_delivery=check)
    producer.produce(topic, detection(camera), key=b"camera", timestamp=1, on_delivery=check)  # 1970
    producer.produce(topic, detection(camera), key=b"camera", timestamp=4102444800000, on_delivery=check)  # 2100
    producer.produce(topic, None, key=b"gone", on_delivery=check)  # tombstone
    producer.produce(topic, b"", key=b"empty", on_delivery=check)  # empty value
    assert producer.flush(30) == 0


def json_schema(bootstrap, topic, registry_url, schema_file, camera, count):
    # Confluent's own serializer: registers the schema under <topic>-value and frames every event.
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.json_schema import JSONSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext

    with open(schema_file) as f:
        schema = f.read()
    serializer = JSONSerializer(schema, SchemaRegistryClient({"url": registry_url}))
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    context = SerializationContext(topic, MessageField.VALUE)
    for _ in range(int(count)):
        producer.produce(topic, serializer(json.loads(detection(camera)), context), on_delivery=check)
    assert producer.flush(30) == 0


def avro(bootstrap, topic, registry_url, schema_file, camera, count):
    # confluent-kafka's AvroProducer (the Python avro package; Debian has no fastavro for the newer
    # AvroSerializer): registers the schema under <topic>-value and frames every event.
    from confluent_kafka import avro as confluent_avro
    from confluent_kafka.avro import AvroProducer

    producer = AvroProducer({"bootstrap.servers": bootstrap, "schema.registry.url": registry_url,
                             "enable.idempotence": True},
                            default_value_schema=confluent_avro.load(schema_file))
    for _ in range(int(count)):
        producer.produce(topic=topic, value=json.loads(detection(camera)), on_delivery=check)
    assert producer.flush(30) == 0


def create_topics(bootstrap, partitions, *topics):
    # Kafka 4 refuses record timestamps over an hour ahead by default; the edge cases need more.
    # (kafkajs's createTopics drops topic configs, so the topics are made here.)
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([
        NewTopic(topic, int(partitions), 1, config={"message.timestamp.after.max.ms": "9223372036854775807"})
        for topic in topics
    ], operation_timeout=30, request_timeout=60)
    for future in futures.values():
        try:
            future.result(60)
        except KafkaException as error:
            # A retried request finds the topic its first attempt created (with this config).
            if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"codec": codec, "transactions": transactions, "edge-cases": edge_cases, "create-topics": create_topics,
     "json-schema": json_schema, "avro": avro}[command](*args)
    if ERRORS:
        raise SystemExit(f"{len(ERRORS)} deliveries failed: {ERRORS[:3]}")
