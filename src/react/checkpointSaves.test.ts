import { describe, expect, test } from "vitest";
import { MAX_STREAM_CURSORS } from "../shared/limits.js";
import type { StreamCursor, StreamInfo } from "../shared/validators.js";
import { hasUnsavedProgress, resumeFromCache, saveProgress } from "./checkpointSaves.js";
import type { StreamText } from "./mergeStreams.js";
import { type CheckpointStorage, readStreamCache, STREAM_CACHE_MAX_BYTES } from "./streamCache.js";

const NOW = 1_800_000_000_000;

function memoryStorage(): CheckpointStorage {
  const items = new Map<string, string>();
  return { getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value), removeItem: (key) => void items.delete(key) };
}

function stream(streamId: string, nextCursor: number, threadId = "th-1"): StreamInfo {
  return { streamId, threadId, turnId: "t-1", itemId: `i-${streamId}`, kind: "agentText", part: 0, state: "streaming", nextCursor };
}

/** A `send` that records its calls and answers with `outcome`. */
function recorder(outcome: "ok" | "fail" = "ok") {
  const calls: StreamCursor[][] = [];
  const send = (cursors: StreamCursor[]) => {
    calls.push(cursors);
    return outcome === "ok" ? Promise.resolve({ saved: cursors.length }) : Promise.reject(new Error("THREAD_NOT_FOUND"));
  };
  return { calls, send };
}

const texts = (entries: [string, StreamText][]) => new Map(entries);

describe("saving and resuming checkpoints", () => {
  test("a save caches the text and sends the cursor; a reload with that checkpoint resumes there", () => {
    const target = { deviceId: "dev", storage: memoryStorage() };
    const live = [stream("a", 3), stream("b", 0)];
    const read = texts([["a", { cursor: 2, text: "Hello " }]]);
    const lastSaved = new Map<string, number>();
    expect(hasUnsavedProgress(live, read, lastSaved)).toBe(true);
    const { calls, send } = recorder();
    expect(saveProgress(target, "th-1", live, read, lastSaved, send, NOW)).toEqual([{ streamId: "a", cursor: 2 }]);
    expect(calls).toEqual([[{ streamId: "a", cursor: 2 }]]);
    expect(hasUnsavedProgress(live, read, lastSaved)).toBe(false);
    // Nothing moved: nothing sent again.
    expect(saveProgress(target, "th-1", live, read, lastSaved, send, NOW)).toEqual([]);

    const seeds = resumeFromCache(target, "th-1", live, [{ streamId: "a", cursor: 2, updatedAt: NOW }], NOW);
    expect(seeds).toEqual(new Map([["a", { cursor: 2, text: "Hello " }]]));
  });

  test("when the last save never reached the server, the reload resumes from the one before", () => {
    const target = { deviceId: "dev", storage: memoryStorage() };
    const live = [stream("a", 9)];
    const lastSaved = new Map<string, number>();
    const { send } = recorder();
    saveProgress(target, "th-1", live, texts([["a", { cursor: 2, text: "Hello " }]]), lastSaved, send, NOW);
    saveProgress(target, "th-1", live, texts([["a", { cursor: 5, text: "Hello world" }]]), lastSaved, send, NOW);
    expect(resumeFromCache(target, "th-1", live, [{ streamId: "a", cursor: 2, updatedAt: NOW }], NOW)).toEqual(
      new Map([["a", { cursor: 2, text: "Hello " }]]),
    );
  });

  test("a failed save is rolled back so the next change retries it", async () => {
    const target = { deviceId: "dev", storage: memoryStorage() };
    const live = [stream("a", 3)];
    const read = texts([["a", { cursor: 2, text: "Hello " }]]);
    const lastSaved = new Map<string, number>();
    saveProgress(target, "th-1", live, read, lastSaved, recorder("fail").send, NOW);
    await Promise.resolve();
    await Promise.resolve();
    expect(lastSaved.size).toBe(0);
    expect(hasUnsavedProgress(live, read, lastSaved)).toBe(true);
  });

  test(`cursors go in calls of at most MAX_STREAM_CURSORS (${MAX_STREAM_CURSORS})`, () => {
    const target = { deviceId: "dev", storage: memoryStorage() };
    const live = Array.from({ length: MAX_STREAM_CURSORS + 1 }, (_, i) => stream(`s${i}`, 1));
    const read = texts(live.map((s) => [s.streamId, { cursor: 1, text: "x" }]));
    const { calls, send } = recorder();
    saveProgress(target, "th-1", live, read, new Map(), send, NOW);
    expect(calls.map((c) => c.length)).toEqual([MAX_STREAM_CURSORS, 1]);
  });

  test("a stream whose text does not fit the cache is not sent; a finished stream leaves the cache", () => {
    const target = { deviceId: "dev", storage: memoryStorage() };
    const huge = "h".repeat(STREAM_CACHE_MAX_BYTES / 2);
    const { calls, send } = recorder();
    const lastSaved = new Map<string, number>();
    saveProgress(target, "th-1", [stream("big", 1), stream("a", 1)], texts([["big", { cursor: 1, text: huge }], ["a", { cursor: 1, text: "a" }]]), lastSaved, send, NOW);
    expect(calls).toEqual([[{ streamId: "a", cursor: 1 }]]);
    // "a" finished (left the live list); another thread's entry stays.
    saveProgress(target, "th-2", [stream("c", 1, "th-2")], texts([["c", { cursor: 1, text: "c" }]]), new Map(), send, NOW);
    expect(hasUnsavedProgress([], new Map(), lastSaved)).toBe(true);
    saveProgress(target, "th-1", [], new Map(), lastSaved, send, NOW);
    expect(readStreamCache(target.storage, "dev", NOW).map((e) => e.streamId)).toEqual(["c"]);
    expect(lastSaved.size).toBe(0);
  });

  test("resuming drops the cache entries of this thread's finished streams", () => {
    const target = { deviceId: "dev", storage: memoryStorage() };
    saveProgress(target, "th-1", [stream("a", 1), stream("b", 1)], texts([["a", { cursor: 1, text: "a" }], ["b", { cursor: 1, text: "b" }]]), new Map(), recorder().send, NOW);
    expect(resumeFromCache(target, "th-1", [stream("b", 1)], [{ streamId: "a", cursor: 1, updatedAt: NOW }], NOW).size).toBe(0);
    expect(readStreamCache(target.storage, "dev", NOW).map((e) => e.streamId)).toEqual(["b"]);
  });
});
