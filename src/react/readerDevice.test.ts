import { describe, expect, test } from "vitest";
import { MAX_DEVICE_ID_CHARS } from "../shared/limits.js";
import { isDeviceId, READER_DEVICE_ID_KEY, readerDeviceId } from "./readerDevice.js";
import type { CheckpointStorage } from "./streamCache.js";

function memoryStorage(): CheckpointStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value), removeItem: (key) => void items.delete(key) };
}

describe("readerDeviceId: this browser's id for checkpoints", () => {
  test("made once, then the same on every call (a reload)", () => {
    const storage = memoryStorage();
    const id = readerDeviceId(storage);
    expect(isDeviceId(id)).toBe(true);
    expect(storage.items.get(READER_DEVICE_ID_KEY)).toBe(id);
    expect(readerDeviceId(storage)).toBe(id);
    expect(readerDeviceId(memoryStorage())).not.toBe(id);
  });

  test("a stored value that is not an id is replaced", () => {
    for (const bad of ["", "a b", "x".repeat(MAX_DEVICE_ID_CHARS + 1), "<script>"]) {
      const storage = memoryStorage();
      storage.items.set(READER_DEVICE_ID_KEY, bad);
      const id = readerDeviceId(storage);
      expect(id).not.toBe(bad);
      expect(isDeviceId(id)).toBe(true);
    }
  });

  test("no usable storage: no id (checkpoints off)", () => {
    const blocked: CheckpointStorage = {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => undefined,
      removeItem: () => undefined,
    };
    expect(readerDeviceId(blocked)).toBeUndefined();
  });
});
