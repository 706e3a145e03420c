import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { request } from "node:https";
import { join } from "node:path";
import bcrypt from "bcryptjs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { detectionWire, jsonBytes } from "../support/events.js";
import { produce } from "../support/kafka-client.js";
import { type PrometheusServer, startPrometheus } from "../support/prometheus-server.js";
import { runProgram } from "../support/run-command.js";
import { runCli } from "../support/service-process.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";
import { waitFor } from "../support/wait-for.js";
import { type WebCertificates, webCertificates } from "../support/web-certificates.js";

const brokers = inject("kafkaBrokers");
const USER = { username: "prometheus", password: "correct horse battery staple" };

/** One HTTPS request with the given client certificate (or none) and basic-auth pair (or none). */
function get(
  url: string,
  certs: WebCertificates,
  client: "prometheus" | "stranger" | undefined,
  auth: string | undefined,
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca: readFileSync(certs.caFile),
        cert: client
          ? readFileSync(client === "prometheus" ? certs.clientCert : certs.strangerCert)
          : undefined,
        key: client ? readFileSync(client === "prometheus" ? certs.clientKey : certs.strangerKey) : undefined,
        headers: auth ? { authorization: `Basic ${Buffer.from(auth).toString("base64")}` } : {},
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("the web configuration file (exporter-toolkit format): TLS, client certificates, bcrypt users", () => {
  let certs: WebCertificates;
  let webFile: string;
  let aggregator: TestAggregator;
  let prometheus: PrometheusServer | undefined;

  beforeAll(async () => {
    certs = await webCertificates();
    webFile = join(certs.dir, "web.yml");
    // Paths relative to the file, as the toolkit reads them.
    await writeFile(
      webFile,
      stringify({
        tls_server_config: {
          cert_file: "server.pem",
          key_file: "server.key",
          client_auth_type: "RequireAndVerifyClientCert",
          client_ca_file: "ca.pem",
          min_version: "TLS12",
        },
        http_server_config: { headers: { "X-Frame-Options": "deny" } },
        basic_auth_users: { [USER.username]: bcrypt.hashSync(USER.password, 10) },
      }),
    );
    aggregator = await startTestAggregator(brokers, { webConfigFile: webFile }, { partitions: 1 });
  });
  afterAll(async () => {
    await prometheus?.stop();
    await aggregator?.stop();
  });

  it("is a file promtool accepts, as it refuses one the service refuses", async () => {
    const good = await runProgram("promtool", ["check", "web-config", webFile]);
    expect({ code: good.code, out: `${good.stdout}${good.stderr}` }).toEqual({
      code: 0,
      out: `${webFile} SUCCESS\n`,
    });
    const bad = join(certs.dir, "promtool-bad.yml");
    await writeFile(
      bad,
      stringify({
        tls_server_config: { cert_file: "server.pem", key_file: "server.key", min_version: "TLS9" },
      }),
    );
    expect((await runProgram("promtool", ["check", "web-config", bad])).code).not.toBe(0);
  });

  it("answers over TLS a client the CA vouches for with the right password, 401 to a wrong one, and refuses the handshake without a certificate or with a stranger's", async () => {
    const url = `https://127.0.0.1:${new URL(aggregator.baseUrl).port}`;
    const ok = await get(`${url}/metrics`, certs, "prometheus", `${USER.username}:${USER.password}`);
    expect(ok.status).toBe(200);
    expect(ok.headers["x-frame-options"]).toBe("deny");
    expect((await get(`${url}/metrics`, certs, "prometheus", `${USER.username}:wrong`)).status).toBe(401);
    expect((await get(`${url}/metrics`, certs, "prometheus", `nobody:${USER.password}`)).status).toBe(401);
    expect((await get(`${url}/metrics`, certs, "prometheus", undefined)).status).toBe(401);
    // The probes stay open to whoever passes TLS.
    expect((await get(`${url}/healthz`, certs, "prometheus", undefined)).status).toBe(200);
    await expect(
      get(`${url}/metrics`, certs, undefined, `${USER.username}:${USER.password}`),
    ).rejects.toThrow(/certificate required|socket hang up|ECONNRESET/);
    await expect(
      get(`${url}/metrics`, certs, "stranger", `${USER.username}:${USER.password}`),
    ).rejects.toThrow(/unknown ca|socket hang up|ECONNRESET|certificate/);
  });

  it("is scraped by a real Prometheus over TLS with its client certificate and the bcrypt user", async () => {
    const topic = aggregator.config.detectionTopic;
    await produce(brokers, topic, [
      { value: jsonBytes(detectionWire({ camera_id: "tls", model_type: "yolov8n" })) },
    ]);
    prometheus = await startPrometheus(`127.0.0.1:${new URL(aggregator.baseUrl).port}`, {
      scheme: "https",
      tls_config: { ca_file: certs.caFile, cert_file: certs.clientCert, key_file: certs.clientKey },
      basic_auth: USER,
    });
    const server = prometheus;
    const rows = await waitFor("detection_total through TLS", async () => {
      const found = await server.query('detection_total{camera_id="tls"}');
      return found.length === 1 ? found : undefined;
    });
    expect(rows[0]?.value[1]).toBe("1");
    expect((await server.query("up"))[0]?.value[1]).toBe("1");
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      "a TLS version it does not know",
      { tls_server_config: { cert_file: "server.pem", key_file: "server.key", min_version: "TLS9" } },
      'tls_server_config.min_version is one of TLS10, TLS11, TLS12, TLS13, got "FILE" (it is "TLS9")',
    ],
    [
      "a certificate without its key",
      { tls_server_config: { cert_file: "server.pem" } },
      'tls_server_config has both cert_file and key_file, got "FILE"',
    ],
    [
      "a client CA missing for verified clients",
      {
        tls_server_config: {
          cert_file: "server.pem",
          key_file: "server.key",
          client_auth_type: "RequireAndVerifyClientCert",
        },
      },
      'tls_server_config.client_ca_file names the CA that signs client certificates (client_auth_type is RequireAndVerifyClientCert), got "FILE"',
    ],
    [
      "a password where a bcrypt hash goes",
      { basic_auth_users: { prometheus: "hunter2" } },
      'basic_auth_users.prometheus is a bcrypt hash ($2a$, $2b$ or $2y$, as htpasswd -B makes), got "FILE"',
    ],
    [
      "a key the format does not have",
      { tls_config: {} },
      'the top-level keys are tls_server_config, http_server_config and basic_auth_users, got "FILE" (it has tls_config)',
    ],
  ])(
    "stops the start on %s: one line naming the file and what it expected, exit code 2",
    async (name, content, line) => {
      const file = join(certs.dir, `bad-${name.replace(/\W+/g, "-")}.yml`);
      await writeFile(file, stringify(content));
      const { code, stderr } = await runCli({ KAFKA_BROKERS: "127.0.0.1:1", WEB_CONFIG_FILE: file }, []);
      expect(code).toBe(2);
      expect(stderr).toBe(
        `metrics-aggregator: WEB_CONFIG_FILE (--web-config-file): expected a web configuration file (the exporter-toolkit format) where ${line.replace("FILE", file)}\n`,
      );
    },
  );
});
