import { getContainerRuntimeClient, ImageName } from "testcontainers";
import { REAPER_IMAGE } from "testcontainers/build/reaper/reaper.js";

/** An answer from the Docker engine that means no registry could serve an image. */
export const REGISTRY_UNREACHABLE =
  /registry|pull access|dial tcp|no such host|TLS handshake|i\/o timeout|manifest unknown|Temporary failure in name resolution|timed out/i;

/** How long asking a registry for Ryuk's image may take before the registry counts as unreachable. */
const PULL_TIMEOUT_MS = 20_000;

/** Who removes the containers the harness starts if the process that started them dies. */
export type ReaperChoice =
  | { readonly kind: "ryuk" }
  /** Ryuk cannot run: the harness's own reaper removes them (`own-reaper.ts`). */
  | {
      readonly kind: "own";
      readonly why: string;
      /** What the registry's address gave when Ryuk's image was asked for, when none answers. */
      readonly unreachableRegistry?: string;
    };

let chosen: Promise<ReaperChoice> | undefined;

/**
 * Decides once per process whether Testcontainers may start its Ryuk reaper.
 * Ryuk's image comes from Docker Hub; where no registry answers (and the image
 * is not already here) Testcontainers would fail every container start on it,
 * so the harness turns Ryuk off (`TESTCONTAINERS_RYUK_DISABLED`, read when the
 * first container starts) and guards what it starts itself.
 */
export function chooseReaper(): Promise<ReaperChoice> {
  chosen ??= decide();
  return chosen;
}

/** True when containers the harness starts must be guarded by its own reaper. */
export function ryukIsOff(): boolean {
  return process.env.TESTCONTAINERS_RYUK_DISABLED === "true";
}

async function decide(): Promise<ReaperChoice> {
  if (ryukIsOff()) {
    return { kind: "own", why: "TESTCONTAINERS_RYUK_DISABLED=true" };
  }
  const client = await getContainerRuntimeClient();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.image.pull(ImageName.fromString(REAPER_IMAGE)),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${PULL_TIMEOUT_MS / 1000} s`)),
          PULL_TIMEOUT_MS,
        );
      }),
    ]);
    return { kind: "ryuk" };
  } catch (error) {
    const message = String((error as Error).message).split("\n")[0] as string;
    if (!REGISTRY_UNREACHABLE.test(message)) throw error;
    process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
    return {
      kind: "own",
      why: `its image ${REAPER_IMAGE} cannot be pulled`,
      unreachableRegistry: registryAnswer(message),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** What a failed pull says about the registry, without the Docker engine's wrapping: `lookup registry-1.docker.io …: no such host`. */
export function registryAnswer(message: string): string {
  return (message.split("dial tcp: ").at(-1) as string).trim();
}
