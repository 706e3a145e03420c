import { spawn } from "node:child_process";

/** Runs a program to completion; rejects with its stderr when it exits non-zero. */
export async function runCommand(
  program: string,
  args: readonly string[],
  input?: string | Buffer,
): Promise<string> {
  return await new Promise((resolve, reject) => {
    const child = spawn(program, [...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${program} ${args.join(" ")} exited with ${code}: ${stderr.slice(-2000)}`));
    });
    child.stdin.end(input ?? "");
  });
}
