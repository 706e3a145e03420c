"""Emit detection and LLM events to Kafka for metrics-aggregator.

Drop this file into the Flask/YOLO service. It replaces the in-process
Prometheus helpers: instead of updating metrics, the service emits one event
per processed frame and one per LLM call, and metrics-aggregator turns them
into the same metrics.

    from metrics_events import emit_detection, emit_llm_call

    emit_detection(camera_id="1", model_type="yolov8n", latency=0.05, num_objects=10, num_groups=3)
    emit_llm_call(provider="openai", model="gpt-4o-mini", key_id="key-3", status="success",
                  latency=1.8, prompt_tokens=512, completion_tokens=128, camera_id="1")

A `status` other than success, error, timeout or rate_limited is sent as
"error" (the call still counts, as a failure) and logged once per distinct
value.

The functions never block the request path (events are queued and sent by
librdkafka's background thread) and never raise: if Kafka is slow or down and
the local queue fills up, events are dropped and counted in `dropped()`.
Configuration comes from the environment: KAFKA_BROKERS (default
localhost:9092), DETECTION_TOPIC, LLM_TOPIC.

Requires confluent-kafka (pip install confluent-kafka, or Debian's
python3-confluent-kafka).
"""
import json
import logging
import os
import threading
import time
import uuid

from confluent_kafka import Producer

log = logging.getLogger("metrics_events")

STATUSES = ("success", "error", "timeout", "rate_limited")


class EventEmitter:
    """Queues events for Kafka; one per process is enough (it is thread-safe)."""

    def __init__(self, bootstrap_servers, detection_topic="detection-events", llm_topic="llm-events", **config):
        self.detection_topic = detection_topic
        self.llm_topic = llm_topic
        self._dropped = 0
        self._unknown_statuses = set()
        self._lock = threading.Lock()
        self._producer = Producer({
            "bootstrap.servers": bootstrap_servers,
            "client.id": "metrics-events",
            "linger.ms": 50,
            "compression.type": "lz4",
            # a full local queue drops events instead of blocking the request path
            "queue.buffering.max.messages": 100000,
            **config,
        })

    def emit_detection(self, camera_id, model_type, latency, num_objects, num_groups, trace_id=None):
        event = {
            "event_id": str(uuid.uuid4()),
            "timestamp": int(time.time() * 1000),
            "camera_id": str(camera_id),
            "model_type": model_type,
            "latency_seconds": float(latency),
            "num_objects": int(num_objects),
            "num_groups": int(num_groups),
        }
        if trace_id is not None:
            event["trace_id"] = str(trace_id)
        self._send(self.detection_topic, str(camera_id), event)

    def emit_llm_call(self, provider, model, key_id, status, latency, prompt_tokens=0, completion_tokens=0,
                      camera_id=None):
        event = {
            "event_id": str(uuid.uuid4()),
            "timestamp": int(time.time() * 1000),
            "provider": provider,
            "model": model,
            "key_id": key_id,
            "status": self._status(status),
            "latency_seconds": float(latency),
            "prompt_tokens": int(prompt_tokens),
            "completion_tokens": int(completion_tokens),
        }
        if camera_id is not None:
            event["camera_id"] = str(camera_id)
        self._send(self.llm_topic, key_id, event)

    def _status(self, status):
        """The contract's status for `status`: itself when the contract knows it, else error (said once)."""
        if status in STATUSES:
            return status
        with self._lock:
            first = status not in self._unknown_statuses and len(self._unknown_statuses) < 100
            if first:
                self._unknown_statuses.add(status)
        if first:
            log.warning("LLM call status %r is not one of %s: sent as 'error'", status, ", ".join(STATUSES))
        return "error"

    def flush(self, timeout=10.0):
        """Waits up to `timeout` seconds for queued events; returns how many are still queued."""
        return self._producer.flush(timeout)

    def dropped(self):
        """Events dropped because they could not be queued or delivered."""
        return self._dropped

    def _send(self, topic, key, event):
        try:
            self._producer.produce(topic, json.dumps(event).encode(), key=key.encode(), on_delivery=self._delivered)
            self._producer.poll(0)  # serve delivery callbacks without waiting
        except Exception as error:  # BufferError when the queue is full, or anything else: never raise
            self._drop(f"could not queue event for {topic}: {error}")

    def _delivered(self, error, _message):
        if error is not None:
            self._drop(f"delivery failed: {error}")

    def _drop(self, reason):
        with self._lock:
            self._dropped += 1
        log.warning("metrics event dropped (%s dropped so far): %s", self._dropped, reason)


_default = None
_default_lock = threading.Lock()


def _emitter():
    global _default
    with _default_lock:
        if _default is None:
            _default = EventEmitter(
                os.environ.get("KAFKA_BROKERS", "localhost:9092"),
                detection_topic=os.environ.get("DETECTION_TOPIC", "detection-events"),
                llm_topic=os.environ.get("LLM_TOPIC", "llm-events"),
            )
        return _default


def emit_detection(camera_id, model_type, latency, num_objects, num_groups, trace_id=None):
    """One processed frame. Never blocks, never raises."""
    try:
        _emitter().emit_detection(camera_id, model_type, latency, num_objects, num_groups, trace_id)
    except Exception as error:
        log.warning("metrics event dropped: %s", error)


def emit_llm_call(provider, model, key_id, status, latency, prompt_tokens=0, completion_tokens=0, camera_id=None):
    """One LLM call. `key_id` names the API key; never pass the key itself. Never blocks, never raises."""
    try:
        _emitter().emit_llm_call(provider, model, key_id, status, latency, prompt_tokens, completion_tokens, camera_id)
    except Exception as error:
        log.warning("metrics event dropped: %s", error)


def record_detection(camera_id, model_type, latency, num_objects, num_groups):
    """The old in-process helper's signature, kept so call sites need no change."""
    emit_detection(camera_id, model_type, latency, num_objects, num_groups)


def flush(timeout=10.0):
    """Call at shutdown so queued events are not lost."""
    return _emitter().flush(timeout) if _default is not None else 0
