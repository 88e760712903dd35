import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BACKPRESSURE_POLL_MS, holdWhileFull, waterMarks } from "./backpressure.js";
import { Outbox } from "../outbox/outbox.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("backpressure", () => {
  it("pauses reading past the high-water mark and resumes below the low one", () => {
    vi.useFakeTimers();
    const outbox = Outbox.open(":memory:", { maxPendingBytes: 1_000 });
    const id = outbox.createSession();
    const stream = new PassThrough();
    stream.on("data", () => {});
    expect(waterMarks(outbox)).toEqual({ high: 500, low: 375 });
    outbox.append(id, [{ origin: "codex", line: "x".repeat(400) }]);
    holdWhileFull(stream, outbox);
    expect(stream.isPaused()).toBe(false);
    outbox.append(id, [{ origin: "codex", line: "y".repeat(200) }]);
    holdWhileFull(stream, outbox);
    expect(stream.isPaused()).toBe(true);
    outbox.markAcked(id, 1);
    vi.advanceTimersByTime(BACKPRESSURE_POLL_MS);
    expect(stream.isPaused()).toBe(false);
    outbox.close();
  });

  it("keeps room for the longest line under a large cap", () => {
    const outbox = Outbox.open(":memory:");
    const { high } = waterMarks(outbox);
    expect(outbox.maxPendingBytesLimit - high).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    outbox.close();
  });
});
