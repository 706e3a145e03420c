import { runProgram } from "./run-command.js";

/** Runs `promtool check metrics` on an exposition body; resolves with its exit code and output. */
export async function promtoolCheckMetrics(body: string): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await runProgram("promtool", ["check", "metrics"], body);
  return { code, output: stdout + stderr };
}
