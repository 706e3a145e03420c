import type { z } from "zod";

/** One setting: where it is read from, its default, and the form it must have. */
export interface SettingSpec<T> {
  readonly env: string;
  readonly flag: string;
  readonly description: string;
  readonly defaultValue: string;
  /** Told to the user when the value has the wrong form. */
  readonly expected: string;
  readonly type: z.ZodType<T, string>;
  /**
   * A password or token: also read from the file named by `<env>_FILE`
   * (Docker and Kubernetes secrets), never logged, never echoed in errors.
   */
  readonly secret?: boolean;
}

/** Declares a setting (keeps its value type). */
export function setting<T>(spec: SettingSpec<T>): SettingSpec<T> {
  return spec;
}
