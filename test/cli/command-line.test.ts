import { describe, expect, it } from "vitest";
import { SETTINGS } from "../../src/config/settings.js";
import { runCli, spawnService } from "../support/service-process.js";

describe("metrics-aggregator command line", () => {
  it("--help lists every setting with its variable and default", async () => {
    const { code, stdout } = await runCli({}, ["--help"]);
    expect(code).toBe(0);
    // commander wraps long lines to the terminal width
    const help = stdout.replace(/\s+/g, " ");
    for (const spec of Object.values(SETTINGS)) {
      expect(help).toContain(spec.flag);
      expect(help).toContain(`env ${spec.env}`);
      expect(help).toContain(spec.defaultValue === "" ? "(no default)" : `(default: ${spec.defaultValue})`);
    }
    expect(help).not.toContain("(default: )");
  });

  it("refuses bad settings with one line each, exit code 2 and no stack trace", async () => {
    const service = spawnService({ HTTP_PORT: "http", KAFKA_BROKERS: "kafka" }, [
      "--success-rate-window",
      "soon",
    ]);
    expect(await service.exited).toBe(2);
    expect(service.stderr()).toBe(
      [
        'metrics-aggregator: KAFKA_BROKERS (--brokers): expected a comma-separated list of host:port, got "kafka"',
        'metrics-aggregator: HTTP_PORT (--http-port): expected an integer from 0 to 65535, got "http"',
        'metrics-aggregator: SUCCESS_RATE_WINDOW (--success-rate-window): expected a duration such as 90s, 5m or 1h, got "soon"',
        "",
      ].join("\n"),
    );
  });

  it("refuses an unknown flag with exit code 2", async () => {
    const service = spawnService({}, ["--brokerz", "x"]);
    expect(await service.exited).toBe(2);
    expect(service.stderr()).toContain("error: unknown option '--brokerz'");
    expect(service.stderr()).not.toMatch(/\n\s+at /);
  });
});
