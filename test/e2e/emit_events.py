"""Drives examples/python/metrics_events.py as the Flask service would (test helper)."""
import sys

sys.path.insert(0, sys.argv[1])
import metrics_events  # noqa: E402

for i in range(12):
    metrics_events.emit_detection(camera_id=i % 3 + 1, model_type="yolov8n", latency=0.02, num_objects=4, num_groups=1)
metrics_events.record_detection("9", "yolov8s", 0.3, 2, 2)
for status in ("success", "success", "error", "rate_limited"):
    metrics_events.emit_llm_call(provider="openai", model="gpt-4o-mini", key_id="key-2", status=status, latency=1.2,
                                 prompt_tokens=100, completion_tokens=10, camera_id="1")
assert metrics_events.flush(30) == 0
assert metrics_events._emitter().dropped() == 0
