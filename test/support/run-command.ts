import { spawn } from "node:child_process";

/** Runs a program to completion with `input` on stdin; resolves with its exit code and stdout+stderr. */
export async function runProgram(
  program: string,
  args: readonly string[],
  input?: string | Buffer,
  options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return await new Promise((resolve, reject) => {
    const child = spawn(program, [...args], { stdio: ["pipe", "pipe", "pipe"], ...options });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

/** Runs a program to completion; resolves with its stdout, rejects with its stderr when it exits non-zero. */
export async function runCommand(
  program: string,
  args: readonly string[],
  input?: string | Buffer,
): Promise<string> {
  const { code, stdout, stderr } = await runProgram(program, args, input);
  if (code !== 0) throw new Error(`${program} ${args.join(" ")} exited with ${code}: ${stderr.slice(-2000)}`);
  return stdout;
}
