import { cpus, totalmem } from "node:os";

/** The machine a benchmark ran on, as every results file records it. */
export function machineInfo(): { cores: number; cpu: string | undefined; memoryGiB: number; node: string } {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** The median of the runs (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The p-th percentile (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** A progress line on stderr (stdout carries the report). */
export const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** A count as the report prints it: rounded, with thousands separators. */
export const thousands = (n: number) => Math.round(n).toLocaleString("en-US");

/** Bytes in MiB, one decimal. */
export const mebibytes = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
