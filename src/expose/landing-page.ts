import type { Handler } from "hono";

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>metrics-aggregator</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}</style>
</head>
<body>
<h1>metrics-aggregator</h1>
<p>Kafka detection and LLM events as Prometheus metrics.</p>
<ul>
<li><a href="metrics">/metrics</a>: Prometheus and OpenMetrics exposition</li>
<li><a href="healthz">/healthz</a>: liveness</li>
<li><a href="readyz">/readyz</a>: readiness (connected to Kafka, member of the consumer group)</li>
</ul>
</body>
</html>
`;

/** `GET /`: links to the endpoints. Holds no configuration and no secrets. */
export function landingPageHandler(): Handler {
  return (c) => c.html(PAGE);
}
