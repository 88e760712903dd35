import { describe, expect, test } from "vitest";
import type { StreamDelta, StreamInfo } from "../shared/validators.js";
import { foldDeltas, type StreamTexts } from "./mergeStreams.js";
import {
  cacheProgress,
  type CachedStream,
  clearStreamCache,
  type CheckpointStorage,
  readStreamCache,
  resumeTexts,
  STREAM_CACHE_KEY_PREFIX,
  STREAM_CACHE_MAX_AGE_MS,
  STREAM_CACHE_MAX_BYTES,
  STREAM_CACHE_MAX_MARKS,
  writeStreamCache,
} from "./streamCache.js";

const NOW = 1_800_000_000_000;
const DEVICE = "device-1";
const KEY = STREAM_CACHE_KEY_PREFIX + DEVICE;

/** A Web Storage stand-in over a Map. */
function memoryStorage(): CheckpointStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

function stream(streamId: string, nextCursor: number, threadId = "th-1"): StreamInfo {
  return { streamId, threadId, turnId: "t-1", itemId: `i-${streamId}`, kind: "agentText", part: 0, state: "streaming", nextCursor };
}

function entry(streamId: string, text: string, marks: { cursor: number; length: number }[], extra: Partial<CachedStream> = {}): CachedStream {
  return { streamId, threadId: "th-1", text, omittedChars: 0, marks, updatedAt: NOW, ...extra };
}

const d = (streamId: string, start: number, end: number, text: string): StreamDelta => ({ streamId, start, end, text });

describe("the stream cache in storage", () => {
  test("what is written reads back; nothing stored reads as empty", () => {
    const storage = memoryStorage();
    expect(readStreamCache(storage, DEVICE, NOW)).toEqual([]);
    const a = entry("a", "Hello world", [{ cursor: 2, length: 6 }, { cursor: 3, length: 11 }]);
    expect(writeStreamCache(storage, DEVICE, [a], NOW)).toEqual(new Set(["a"]));
    expect(readStreamCache(storage, DEVICE, NOW)).toEqual([a]);
    // Another device's key is another cache.
    expect(readStreamCache(storage, "device-2", NOW)).toEqual([]);
    writeStreamCache(storage, DEVICE, [], NOW);
    expect(storage.items.has(KEY)).toBe(false);
    writeStreamCache(storage, DEVICE, [a], NOW);
    clearStreamCache(storage, DEVICE);
    expect(readStreamCache(storage, DEVICE, NOW)).toEqual([]);
  });

  test("what does not parse or add up is ignored, entry by entry", () => {
    const storage = memoryStorage();
    const good = entry("good", "abc", [{ cursor: 1, length: 3 }]);
    for (const raw of ["{not json", "null", "[]", '{"version":2,"streams":[]}', '{"version":1,"streams":{}}']) {
      storage.items.set(KEY, raw);
      expect(readStreamCache(storage, DEVICE, NOW)).toEqual([]);
    }
    const bad: unknown[] = [
      null,
      "text",
      { ...good, streamId: 5 },
      { ...good, extra: true },
      { ...good, marks: [] },
      { ...good, marks: [{ cursor: 1, length: 4 }] }, // past the text
      { ...good, marks: [{ cursor: 1, length: 2 }] }, // does not end the text
      { ...good, marks: [{ cursor: 2, length: 1 }, { cursor: 1, length: 3 }] }, // not ascending
      { ...good, marks: [{ cursor: 0, length: 3 }] }, // cursor 0 is nothing to resume
      { ...good, marks: [{ cursor: 1.5, length: 3 }] },
      { ...good, omittedChars: -1 },
      { ...good, threadId: "" },
      { ...good, marks: Array.from({ length: STREAM_CACHE_MAX_MARKS + 1 }, (_, i) => ({ cursor: i + 1, length: 3 })) },
      { ...good, streamId: "old", updatedAt: NOW - STREAM_CACHE_MAX_AGE_MS - 1 },
    ];
    storage.items.set(KEY, JSON.stringify({ version: 1, streams: [...bad, good, { ...good, text: "dup", marks: [{ cursor: 1, length: 3 }] }] }));
    expect(readStreamCache(storage, DEVICE, NOW)).toEqual([good]);
  });

  test("a storage that throws reads as empty and is cleared on a failed write", () => {
    const broken: CheckpointStorage = {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
      removeItem: () => undefined,
    };
    expect(readStreamCache(broken, DEVICE, NOW)).toEqual([]);
    expect(writeStreamCache(broken, DEVICE, [entry("a", "x", [{ cursor: 1, length: 1 }])], NOW)).toEqual(new Set());
  });

  test(`past STREAM_CACHE_MAX_BYTES (${STREAM_CACHE_MAX_BYTES}) the least recently saved streams go; one too big alone is not cached`, () => {
    const storage = memoryStorage();
    const chars = STREAM_CACHE_MAX_BYTES / 2 / 3; // a third of the budget each
    const old = entry("old", "o".repeat(chars), [{ cursor: 1, length: chars }], { updatedAt: NOW - 2 });
    const mid = entry("mid", "m".repeat(chars), [{ cursor: 1, length: chars }], { updatedAt: NOW - 1 });
    const fresh = entry("fresh", "f".repeat(chars), [{ cursor: 1, length: chars }]);
    expect(writeStreamCache(storage, DEVICE, [old, mid, fresh], NOW)).toEqual(new Set(["fresh", "mid"]));
    expect((storage.items.get(KEY)!.length + KEY.length) * 2).toBeLessThanOrEqual(STREAM_CACHE_MAX_BYTES);
    const huge = entry("huge", "h".repeat(STREAM_CACHE_MAX_BYTES / 2), [{ cursor: 1, length: STREAM_CACHE_MAX_BYTES / 2 }]);
    expect(writeStreamCache(storage, DEVICE, [huge, old], NOW)).toEqual(new Set(["old"]));
  });

  test("expired entries are dropped on write", () => {
    const storage = memoryStorage();
    const stale = entry("a", "x", [{ cursor: 1, length: 1 }], { updatedAt: NOW - STREAM_CACHE_MAX_AGE_MS - 1 });
    expect(writeStreamCache(storage, DEVICE, [stale], NOW)).toEqual(new Set());
  });
});

describe("cacheProgress: marks of saved cursors", () => {
  test("a text that continues the cached one keeps the earlier marks, the last STREAM_CACHE_MAX_MARKS", () => {
    let cached = cacheProgress(undefined, "th-1", "a", { cursor: 1, text: "He" }, NOW);
    expect(cached.marks).toEqual([{ cursor: 1, length: 2 }]);
    cached = cacheProgress(cached, "th-1", "a", { cursor: 3, text: "Hello" }, NOW);
    expect(cached).toEqual(entry("a", "Hello", [{ cursor: 1, length: 2 }, { cursor: 3, length: 5 }]));
    for (let cursor = 4; cursor < 4 + STREAM_CACHE_MAX_MARKS; cursor += 1) {
      cached = cacheProgress(cached, "th-1", "a", { cursor, text: cached.text + "!" }, NOW);
    }
    expect(cached.marks).toHaveLength(STREAM_CACHE_MAX_MARKS);
    expect(cached.marks.at(-1)).toEqual({ cursor: 3 + STREAM_CACHE_MAX_MARKS, length: cached.text.length });
  });

  test("a rebased text (not a continuation, or another omitted prefix) starts the marks over", () => {
    const cached = cacheProgress(undefined, "th-1", "a", { cursor: 2, text: "Hello" }, NOW);
    expect(cacheProgress(cached, "th-1", "a", { cursor: 9, text: "durable" }, NOW).marks).toEqual([{ cursor: 9, length: 7 }]);
    const tail = cacheProgress(cached, "th-1", "a", { cursor: 9, text: "Hello more", omittedChars: 3 }, NOW);
    expect(tail).toMatchObject({ omittedChars: 3, marks: [{ cursor: 9, length: 10 }] });
  });
});

describe("resumeTexts: where a reloaded page starts", () => {
  const cached = [
    entry("a", "Hello world", [{ cursor: 2, length: 6 }, { cursor: 4, length: 11 }]),
    entry("b", "tail", [{ cursor: 7, length: 4 }], { omittedChars: 100 }),
  ];

  test("a checkpoint matching a mark resumes there with the text before it, omitted prefix included", () => {
    const seeds = resumeTexts("th-1", [stream("a", 6), stream("b", 7)], [
      { streamId: "a", cursor: 4, updatedAt: NOW },
      { streamId: "b", cursor: 7, updatedAt: NOW },
    ], cached);
    expect(seeds).toEqual(new Map([["a", { cursor: 4, text: "Hello world" }], ["b", { cursor: 7, text: "tail", omittedChars: 100 }]]));
    // The server kept an earlier save (the last one never arrived): the text before that mark.
    expect(resumeTexts("th-1", [stream("a", 6)], [{ streamId: "a", cursor: 2, updatedAt: NOW }], cached)).toEqual(
      new Map([["a", { cursor: 2, text: "Hello " }]]),
    );
  });

  test("no match, no resume: another cursor, no checkpoint, another thread, a cursor past the stream, a finished stream", () => {
    const at = (cursor: number) => [{ streamId: "a", cursor, updatedAt: NOW }];
    expect(resumeTexts("th-1", [stream("a", 6)], at(3), cached).size).toBe(0);
    expect(resumeTexts("th-1", [stream("a", 6)], [], cached).size).toBe(0);
    expect(resumeTexts("th-2", [stream("a", 6, "th-2")], at(4), cached).size).toBe(0);
    expect(resumeTexts("th-1", [stream("a", 3)], at(4), cached).size).toBe(0);
    expect(resumeTexts("th-1", [], at(4), cached).size).toBe(0);
    expect(resumeTexts("th-1", [stream("a", 6)], at(0), [entry("a", "", [{ cursor: 0, length: 0 }])]).size).toBe(0);
  });

  test("resumed text plus the deltas from the checkpoint is the whole text, once; a rebase replaces it, never doubles it", () => {
    const live = [stream("a", 6)];
    const seeds: StreamTexts = resumeTexts("th-1", live, [{ streamId: "a", cursor: 4, updatedAt: NOW }], cached);
    // The server answers from the cursor asked; a repeat of an earlier delta is skipped.
    const next = foldDeltas(seeds, live, [d("a", 3, 4, "world"), d("a", 4, 6, ", again.")], [{ streamId: "a", status: "ok", cursor: 4 }]);
    expect(next.get("a")).toEqual({ cursor: 6, text: "Hello world, again." });
    const rebased = foldDeltas(seeds, live, [d("a", 8, 9, "!")], [
      { streamId: "a", status: "rebased", cursor: 8, text: "Hello world, again and", omittedChars: 0 },
    ]);
    expect(rebased.get("a")).toEqual({ cursor: 9, text: "Hello world, again and!" });
    const tail = foldDeltas(seeds, live, [], [{ streamId: "a", status: "rebased", cursor: 8, text: "again and", omittedChars: 13 }]);
    expect(tail.get("a")).toEqual({ cursor: 8, text: "again and", omittedChars: 13 });
    expect(foldDeltas(seeds, live, [], [{ streamId: "a", status: "stale", cursor: 4 }]).has("a")).toBe(false);
  });
});
