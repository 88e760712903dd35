/**
 * The reader device of stream checkpoints: this browser (not a paired desktop
 * that runs Codex). It is named by a random id kept in storage, so every tab
 * and every reload of this browser saves and finds the same checkpoints.
 */
import { MAX_DEVICE_ID_CHARS } from "../shared/limits.js";
import type { CheckpointStorage } from "./streamCache.js";

/** The storage key of this browser's reader device id. */
export const READER_DEVICE_ID_KEY = "codex-convex:deviceId";

/** What a device id may look like: 1..128 characters of letters, digits, `-`, `_`, `.` and `:`. */
const DEVICE_ID = /^[A-Za-z0-9_.:-]+$/;

/** Whether `id` is a device id the component accepts (1..`MAX_DEVICE_ID_CHARS` characters) and the hooks can key storage with. */
export function isDeviceId(id: unknown): id is string {
  return typeof id === "string" && id.length > 0 && id.length <= MAX_DEVICE_ID_CHARS && DEVICE_ID.test(id);
}

/**
 * `window.localStorage` when this runs in a browser that lets the page use
 * it; undefined on a server render, in a worker, or when storage is blocked
 * (some private modes and sandboxed iframes throw on access).
 */
export function defaultCheckpointStorage(): CheckpointStorage | undefined {
  try {
    const storage = (globalThis as { localStorage?: CheckpointStorage }).localStorage;
    return storage ?? undefined;
  } catch {
    return undefined;
  }
}

function randomId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  // randomUUID needs a secure context (https or localhost); getRandomValues does not.
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * This browser's reader device id: the one kept in `storage` under
 * `READER_DEVICE_ID_KEY`, or a new random one (a UUID) stored there first. A
 * stored value that is not a valid id is replaced.
 *
 * @param storage - Where the id lives (default `window.localStorage`).
 * @returns the id, or undefined when there is no usable storage (then a reload
 *   could not find its cached text either, so checkpoints are off).
 */
export function readerDeviceId(storage: CheckpointStorage | undefined = defaultCheckpointStorage()): string | undefined {
  if (storage === undefined) return undefined;
  try {
    const stored = storage.getItem(READER_DEVICE_ID_KEY);
    if (isDeviceId(stored)) return stored;
    const id = randomId();
    storage.setItem(READER_DEVICE_ID_KEY, id);
    return id;
  } catch {
    return undefined;
  }
}
