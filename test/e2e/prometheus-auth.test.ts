import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type PrometheusServer, startPrometheus } from "../support/prometheus-server.js";
import { startTestAggregator, type TestAggregator } from "../support/test-aggregator.js";
import { waitFor } from "../support/wait-for.js";

const brokers = inject("kafkaBrokers");
const TOKEN = "scrape-token-7f3a";

/** Prometheus scrapes with a bearer token from a file, as a production job would; a wrong token is refused. */
describe("a real Prometheus scraping an aggregator that requires a bearer token", () => {
  let aggregator: TestAggregator;
  let dir: string;
  const servers: PrometheusServer[] = [];

  beforeAll(async () => {
    aggregator = await startTestAggregator(brokers, { metricsBearerToken: TOKEN });
    dir = await mkdtemp(join(tmpdir(), "scrape-token-"));
    await writeFile(join(dir, "right"), `${TOKEN}\n`);
    await writeFile(join(dir, "wrong"), "not-the-token\n");
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
    await aggregator?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ["the right token", "right", "1"],
    ["a wrong token", "wrong", "0"],
  ])("with %s (file %s), up is %s", async (_name, file, up) => {
    const prometheus = await startPrometheus(new URL(aggregator.baseUrl).host, {
      authorization: { type: "Bearer", credentials_file: join(dir, file) },
    });
    servers.push(prometheus);
    const rows = await waitFor("a scrape", async () => {
      const result = await prometheus.query("up");
      return result.length > 0 ? result : undefined;
    });
    expect(rows.map((row) => row.value[1])).toEqual([up]);
    if (up === "1") {
      const built = await prometheus.query("aggregator_build_info");
      expect(built).toHaveLength(1);
    } else {
      const targets = (await (await fetch(`${prometheus.url}/api/v1/targets`)).json()) as {
        data: { activeTargets: { lastError: string }[] };
      };
      expect(targets.data.activeTargets[0]?.lastError).toMatch(/401 Unauthorized/);
    }
    expect(JSON.stringify(aggregator.logs)).not.toContain(TOKEN);
  });
});
