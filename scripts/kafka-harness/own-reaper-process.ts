/**
 * The harness's own reaper, as a process of its own: what Testcontainers'
 * Ryuk does, for machines that cannot pull Ryuk's image (no registry) and for
 * the local JVM broker, which Ryuk would not know about anyway.
 *
 * The process that starts brokers writes one JSON line per thing it started
 * (`{"add":{"kind":"container","id":"…"}}`) and one when it removed the thing
 * itself (`{"remove":…}`) to this process's stdin. When stdin ends — the
 * parent closed it, exited, crashed or was killed with SIGKILL, the kernel
 * closes the pipe in every case — whatever is still registered is removed,
 * and this process exits. It runs in a session of its own, so the Ctrl+C a
 * terminal sends to the parent's process group does not end it first.
 */
import { rmSync } from "node:fs";
import { createInterface } from "node:readline";
import { getContainerRuntimeClient } from "testcontainers";
import { type Leftover, SESSION_LABEL } from "./own-reaper.js";

const left = new Map<string, Leftover>();
const keyOf = (thing: Leftover) => `${thing.kind}:${thing.id}`;

// The parent's Ctrl+C or SIGTERM is not for this process: it ends when its stdin does.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => {});

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  try {
    const message = JSON.parse(line) as { add?: Leftover; remove?: Leftover };
    if (message.add) left.set(keyOf(message.add), message.add);
    if (message.remove) left.delete(keyOf(message.remove));
  } catch {
    // not a line of the protocol: ignored
  }
});
lines.on("close", () => {
  void removeAll().finally(() => process.exit(0));
});

async function removeAll(): Promise<void> {
  for (const thing of left.values()) {
    try {
      await remove(thing);
    } catch (error) {
      process.stderr.write(`[own-reaper] could not remove ${keyOf(thing)}: ${(error as Error).message}\n`);
    }
  }
}

async function remove(thing: Leftover): Promise<void> {
  switch (thing.kind) {
    case "containers": {
      const client = await getContainerRuntimeClient();
      const label = `${SESSION_LABEL}=${thing.id}`;
      const containers = await client.container.dockerode.listContainers({
        all: true,
        filters: { label: [label] },
      });
      for (const { Id } of containers) {
        try {
          await client.container.getById(Id).remove({ force: true, v: true });
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode !== 404) throw error;
        }
      }
      return;
    }
    case "process":
      try {
        process.kill(Number(thing.id), "SIGKILL");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
      }
      return;
    case "folder":
      rmSync(thing.id, { recursive: true, force: true });
      return;
  }
}
