/**
 * Reading the `ConvexError { code, message }` the host's bridge-facing
 * functions throw (see the interface in `SPEC-issue9.md`), whatever client
 * carried it (`ConvexHttpClient`, `ConvexClient`, a fake).
 */
import { ConvexError } from "convex/values";

/** Error codes of the host's device functions that mean this device may no longer call it. */
export const PERMANENT_DEVICE_ERROR_CODES = ["DEVICE_REVOKED", "DEVICE_UNKNOWN"] as const;

/** A host error's data. */
export type HostErrorData = { code: string; message: string };

/**
 * The `{ code, message }` of a host error, looking through `cause` chains
 * (a `BridgeError` wrapping a `ConvexError`), or null for other errors.
 */
export function hostErrorData(error: unknown): HostErrorData | null {
  for (let current = error, depth = 0; current instanceof Error && depth < 10; current = current.cause, depth++) {
    if (current instanceof ConvexError || current.name === "ConvexError") {
      const data = (current as unknown as { data: unknown }).data;
      if (typeof data === "object" && data !== null && typeof (data as { code?: unknown }).code === "string") {
        const { code, message } = data as { code: string; message?: unknown };
        return { code, message: typeof message === "string" ? message : current.message };
      }
    }
  }
  return null;
}

/** True when `error` says the device was revoked or is unknown (permanent: stop calling). */
export function isPermanentDeviceError(error: unknown): boolean {
  const code = hostErrorData(error)?.code;
  return code !== undefined && (PERMANENT_DEVICE_ERROR_CODES as readonly string[]).includes(code);
}
