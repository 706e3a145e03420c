/** Whether a part of the service works, and why not: the one status shape readiness, logs and the status page share. */
export interface ComponentStatus {
  readonly ready: boolean;
  readonly detail: string;
}

/** Ready with a detail. */
export const ready = (detail: string): ComponentStatus => ({ ready: true, detail });

/** Not ready, and why. */
export const notReady = (detail: string): ComponentStatus => ({ ready: false, detail });
