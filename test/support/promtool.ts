import { spawn } from "node:child_process";

/** Runs `promtool check metrics` on an exposition body; resolves with its exit code and output. */
export async function promtoolCheckMetrics(body: string): Promise<{ code: number; output: string }> {
  return await new Promise((resolve, reject) => {
    const child = spawn("promtool", ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, output }));
    child.stdin.end(body);
  });
}
