import { setting } from "./setting-spec.js";
import { settingText } from "./value-parsers.js";

/** The HTTP surface, who may scrape it, the logs and the stop. */
export const SERVICE_SETTINGS = {
  httpHost: setting({
    env: "HTTP_HOST",
    flag: "--http-host",
    description: "address the HTTP server binds",
    defaultValue: "0.0.0.0",
    expected: "a host name or IP address",
    type: settingText.nonEmpty,
  }),
  httpPort: setting({
    env: "HTTP_PORT",
    flag: "--http-port",
    description: "port of /metrics, /healthz, /readyz and / (0 picks a free port)",
    defaultValue: "9310",
    expected: "an integer from 0 to 65535",
    type: settingText.port,
  }),
  metricsBearerToken: setting({
    env: "METRICS_BEARER_TOKEN",
    flag: "--metrics-bearer-token",
    description:
      "bearer token /metrics, / and /api/status require (empty: open); or METRICS_BEARER_TOKEN_FILE",
    defaultValue: "",
    expected: "a string",
    type: settingText.optionalText,
    secret: true,
  }),
  metricsUsername: setting({
    env: "METRICS_USERNAME",
    flag: "--metrics-username",
    description: "basic-auth user /metrics, / and /api/status require (empty: open)",
    defaultValue: "",
    expected: "a string without ':'",
    type: settingText.optionalUsername,
  }),
  metricsPassword: setting({
    env: "METRICS_PASSWORD",
    flag: "--metrics-password",
    description: "basic-auth password for METRICS_USERNAME; or METRICS_PASSWORD_FILE",
    defaultValue: "",
    expected: "a string",
    type: settingText.optionalText,
    secret: true,
  }),
  webConfigFile: setting({
    env: "WEB_CONFIG_FILE",
    flag: "--web-config-file",
    description:
      "a web configuration file in the Prometheus exporter-toolkit format: TLS (client certificates too), bcrypt basic-auth users, response headers (empty: plain HTTP)",
    defaultValue: "",
    expected: "a path to a file",
    type: settingText.optionalText,
  }),
  shutdownTimeout: setting({
    env: "SHUTDOWN_TIMEOUT",
    flag: "--shutdown-timeout",
    description: "longest a graceful shutdown may take before the process exits anyway",
    defaultValue: "15s",
    expected: "a duration such as 10s",
    type: settingText.durationMs,
  }),
  logLevel: setting({
    env: "LOG_LEVEL",
    flag: "--log-level",
    description: "fatal, error, warn, info, debug, trace or silent",
    defaultValue: "info",
    expected: "one of fatal, error, warn, info, debug, trace, silent",
    type: settingText.logLevel,
  }),
} as const;
