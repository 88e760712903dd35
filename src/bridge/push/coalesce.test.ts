import { describe, expect, it } from "vitest";
import type { CodexEvent } from "../../shared/validators.js";
import { agentMessageFeed, chunks, feedEvents, recordedLines, restamp } from "../../../test/support/codexFeeds.js";
import { toEvents } from "../../../test/support/events.js";
import { coalesceDeltas, EMITTED_AT_END_FIELD, MAX_COALESCED_DELTA_BYTES } from "./coalesce.js";

function delta(itemId: string, text: string, method = "item/agentMessage/delta", extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ method, params: { threadId: "thr", turnId: "turn", itemId, delta: text, ...extra } });
}

function event(seq: number, line: string, origin: "codex" | "bridge" = "codex"): CodexEvent {
  return { seq, receivedAt: 1_000 + seq, origin, line };
}

/** Stream key of a delta line (method + params but the delta), or null for other lines. */
function streamOf(line: string): string | null {
  const m = JSON.parse(line) as { method?: string; params?: Record<string, unknown> };
  if (typeof m.params?.delta !== "string" || m.method === undefined) return null;
  const { delta: _, ...rest } = m.params;
  return JSON.stringify([m.method, Object.entries(rest).sort()]);
}

/** Per stream, the concatenated delta text of `events`. */
function streamTexts(events: readonly CodexEvent[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of events) {
    const key = streamOf(e.line);
    if (key !== null) out.set(key, (out.get(key) ?? "") + (JSON.parse(e.line) as { params: { delta: string } }).params.delta);
  }
  return out;
}

/** Every seq of `events`, expanded from seq..seqEnd. */
function seqsCovered(events: readonly CodexEvent[]): number[] {
  return events.flatMap((e) => Array.from({ length: (e.seqEnd ?? e.seq) - e.seq + 1 }, (_, i) => e.seq + i));
}

/** Coalesces `events` in consecutive batches of `size`, as the pusher does with each batch it reads. */
function inBatches(events: readonly CodexEvent[], size: number): CodexEvent[] {
  const out: CodexEvent[] = [];
  for (let i = 0; i < events.length; i += size) out.push(...coalesceDeltas(events.slice(i, i + size)));
  return out;
}

/** A small deterministic PRNG (mulberry32), for repeatable shuffles. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("coalesceDeltas", () => {
  it("merges contiguous deltas of one item into one event with seqEnd", () => {
    const events = [event(1, delta("a", "Hel")), event(2, delta("a", "lo, ")), event(3, delta("a", "wörld 👋"))];
    const [merged, ...rest] = coalesceDeltas(events);
    expect(rest).toEqual([]);
    expect(merged).toMatchObject({ seq: 1, seqEnd: 3, receivedAt: 1_001, origin: "codex" });
    expect(JSON.parse(merged?.line ?? "")).toEqual({
      method: "item/agentMessage/delta",
      params: { threadId: "thr", turnId: "turn", itemId: "a", delta: "Hello, wörld 👋" },
    });
  });

  it("keeps lone deltas and other events byte-exact", () => {
    const odd = '{ "method" : "item/agentMessage/delta", "params": {"itemId":"a","delta":"x"}, "emittedAtMs": 5 }';
    const events = [event(1, odd), event(2, '{"method":"turn/started"}'), event(3, delta("a", "y"))];
    expect(coalesceDeltas(events)).toEqual(events);
  });

  it("does not merge across items, methods, indices, gaps, requests or bridge lines", () => {
    const events = [
      event(1, delta("a", "1")),
      event(2, delta("b", "2")),
      event(3, delta("b", "3", "item/commandExecution/outputDelta")),
      event(4, delta("r", "4", "item/reasoning/summaryTextDelta", { summaryIndex: 0 })),
      event(5, delta("r", "5", "item/reasoning/summaryTextDelta", { summaryIndex: 1 })),
      event(7, delta("r", "7", "item/reasoning/summaryTextDelta", { summaryIndex: 1 })),
      event(8, JSON.stringify({ id: 3, method: "item/agentMessage/delta", params: { itemId: "r", delta: "8" } })),
      event(9, delta("z", "9"), "bridge"),
      event(10, delta("z", "10")),
      event(11, '{"method":"item/agentMessage/delta","params":{"itemId":"z","delta":11}}'),
    ];
    expect(coalesceDeltas(events)).toEqual(events);
  });

  it("merges runs around other events, with params in any key order", () => {
    const events = [
      event(1, delta("a", "x")),
      event(2, '{"params":{"delta":"y","itemId":"a","turnId":"turn","threadId":"thr"},"method":"item/agentMessage/delta"}'),
      event(3, '{"method":"item/completed"}'),
      event(4, delta("p", "1.", "item/plan/delta")),
      event(5, delta("p", " 2.", "item/plan/delta")),
    ];
    const out = coalesceDeltas(events);
    expect(out.map((e) => [e.seq, e.seqEnd])).toEqual([
      [1, 2],
      [3, undefined],
      [4, 5],
    ]);
    expect(JSON.parse(out[0]?.line ?? "").params.delta).toBe("xy");
    expect(JSON.parse(out[2]?.line ?? "").params.delta).toBe("1. 2.");
  });

  it("merges deltas stamped with different emittedAtMs and keeps the first and last stamp", () => {
    const stamped = (seq: number, text: string, ms: number) =>
      event(seq, JSON.stringify({ method: "item/agentMessage/delta", params: { threadId: "thr", turnId: "turn", itemId: "a", delta: text }, emittedAtMs: ms }));
    const out = coalesceDeltas([stamped(1, "a", 100), stamped(2, "b", 101), stamped(3, "c", 105)]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ seq: 1, seqEnd: 3 });
    expect(JSON.parse(out[0]!.line)).toEqual({
      method: "item/agentMessage/delta",
      params: { threadId: "thr", turnId: "turn", itemId: "a", delta: "abc" },
      emittedAtMs: 100,
      [EMITTED_AT_END_FIELD]: 105,
    });
  });

  it("does not merge lines that differ in a top-level member other than emittedAtMs", () => {
    const line = (extra: Record<string, unknown>) => JSON.stringify({ method: "item/agentMessage/delta", params: { itemId: "a", delta: "x" }, ...extra });
    const events = [event(1, line({ emittedAtMs: 1, lane: 1 })), event(2, line({ emittedAtMs: 2, lane: 2 }))];
    expect(coalesceDeltas(events)).toEqual(events);
    // An event already merged (it carries emittedAtMsEnd) is never merged again.
    const merged = [event(1, line({ emittedAtMs: 1, [EMITTED_AT_END_FIELD]: 2 })), event(2, line({ emittedAtMs: 3 }))];
    expect(coalesceDeltas(merged)).toEqual(merged);
  });

  it("caps the bytes of a merged line", () => {
    const events = Array.from({ length: 10 }, (_, i) => event(i + 1, delta("a", "d".repeat(100))));
    const lineBytes = Buffer.byteLength(events[0]?.line ?? "");
    // A first line plus four more deltas of 100 bytes, and room for emittedAtMsEnd, fits; five more do not.
    const out = coalesceDeltas(events, lineBytes + 4 * 100 + 40);
    expect(out.map((e) => [e.seq, e.seqEnd])).toEqual([
      [1, 5],
      [6, 10],
    ]);
    for (const e of out) expect(Buffer.byteLength(e.line)).toBeLessThanOrEqual(lineBytes + 4 * 100 + 40);
    // Escaped characters count as they are sent: a quote is two bytes in JSON.
    const quoted = Array.from({ length: 4 }, (_, i) => event(i + 1, delta("a", '"'.repeat(100))));
    const quotedBytes = Buffer.byteLength(quoted[0]!.line);
    expect(coalesceDeltas(quoted, quotedBytes + 200 + 40).map((e) => [e.seq, e.seqEnd])).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });

  it("merges the real codex 0.169 deltas of the recorded text turn, emitted over two milliseconds, into one event", () => {
    const events = toEvents(recordedLines("text-turn"));
    const deltaSeqs = events.filter((e) => e.line.includes('"item/agentMessage/delta"')).map((e) => e.seq);
    const stamps = new Set(events.filter((e) => deltaSeqs.includes(e.seq)).map((e) => (JSON.parse(e.line) as { emittedAtMs: number }).emittedAtMs));
    expect(stamps.size).toBeGreaterThan(1); // the recording really spans several milliseconds
    const out = coalesceDeltas(events);
    expect(out).toHaveLength(events.length - deltaSeqs.length + 1);
    const merged = out.find((e) => e.seqEnd !== undefined)!;
    expect([merged.seq, merged.seqEnd]).toEqual([deltaSeqs[0], deltaSeqs.at(-1)]);
    const message = JSON.parse(merged.line) as { params: { delta: string }; emittedAtMs: number; emittedAtMsEnd: number };
    expect(message.params.delta).toBe("Hello from the scripted model, streamed in eight pieces.");
    expect([message.emittedAtMs, message.emittedAtMsEnd]).toEqual([Math.min(...stamps), Math.max(...stamps)]);
  });

  it("keeps the streams of the recorded tools turn apart (reasoning summary, raw reasoning, message, command output)", () => {
    const events = toEvents(recordedLines("tools-turn"));
    const out = coalesceDeltas(events);
    expect(seqsCovered(out)).toEqual(events.map((e) => e.seq));
    expect(streamTexts(out)).toEqual(streamTexts(events));
    // msg_3 (2 deltas), call_4 (2), msg_9 (4) merge; the lone reasoning deltas stay as they were.
    expect(out.filter((e) => e.seqEnd !== undefined).map((e) => (e.seqEnd ?? e.seq) - e.seq + 1)).toEqual([2, 2, 4]);
  });

  it("merges a message streamed one delta per millisecond into one event per batch of 32", () => {
    const { events, text } = agentMessageFeed(1_000);
    const deltaEvents = events.filter((e) => e.line.includes('"item/agentMessage/delta"'));
    expect(new Set(deltaEvents.map((e) => (JSON.parse(e.line) as { emittedAtMs: number }).emittedAtMs)).size).toBe(1_000);
    const out = inBatches(events, 32);
    const outDeltas = out.filter((e) => e.line.includes('"item/agentMessage/delta"'));
    // A batch holds at most one run of this stream: as many merged events as batches the deltas span.
    const batchesSpanned = new Set(deltaEvents.map((e) => Math.floor((e.seq - 1) / 32))).size;
    expect(outDeltas).toHaveLength(batchesSpanned);
    expect(outDeltas.map((e) => (JSON.parse(e.line) as { params: { delta: string } }).params.delta).join("")).toBe(text);
    expect(seqsCovered(out)).toEqual(events.map((e) => e.seq));
  });

  it("interleaved streams, any batching: every stream's text exactly once, in order, every seq exactly once", () => {
    const random = rng(11);
    // Three streams of one turn, interleaved in runs of 1–6 lines, one delta per millisecond.
    const streams = [
      { method: "item/agentMessage/delta", params: { itemId: "msg_1" } },
      { method: "item/reasoning/summaryTextDelta", params: { itemId: "rs_1", summaryIndex: 0 } },
      { method: "item/reasoning/summaryTextDelta", params: { itemId: "rs_1", summaryIndex: 1 } },
      { method: "item/commandExecution/outputDelta", params: { itemId: "call_1" } },
    ];
    const texts = chunks(2_000, 8);
    const lines: string[] = [];
    for (let i = 0; i < texts.length; ) {
      const s = streams[Math.floor(random() * streams.length)]!;
      for (let run = 1 + Math.floor(random() * 6); run > 0 && i < texts.length; run--, i++) {
        lines.push(JSON.stringify({ method: s.method, params: { threadId: "thr", turnId: "tu", ...s.params, delta: texts[i] }, emittedAtMs: 0 }));
      }
      if (random() < 0.05) lines.push(JSON.stringify({ method: "turn/diff/updated", params: { threadId: "thr", turnId: "tu", diff: "" }, emittedAtMs: 0 }));
    }
    const events = toEvents(restamp(lines));
    for (const size of [1, 7, 32, 512]) {
      const out = inBatches(events, size);
      expect(seqsCovered(out)).toEqual(events.map((e) => e.seq));
      expect(streamTexts(out)).toEqual(streamTexts(events));
      // Nothing else moved: non-delta lines come through byte-exact, at their seq.
      expect(out.filter((e) => streamOf(e.line) === null)).toEqual(events.filter((e) => streamOf(e.line) === null));
      if (size >= 32) expect(out.length).toBeLessThan(events.length / 2);
    }
  });

  it("a mixed real thread of 4 turns coalesces to fewer events with the same text", () => {
    const events = feedEvents([
      { from: "tools-turn", withThreadStart: true, deltas: { msg_9: chunks(300, 8), rs_2: chunks(40, 8) } },
      { from: "text-turn", threadId: "01a20604-df52-7590-a485-659004652b85", suffix: "-2", deltas: { msg_2: chunks(500, 8) } },
      { from: "tools-turn", suffix: "-3", deltas: { call_4: chunks(100, 64) } },
      { from: "approval-turn", threadId: "01a20604-df52-7590-a485-659004652b85", suffix: "-4" },
    ]);
    const out = inBatches(events, 32);
    expect(seqsCovered(out)).toEqual(events.map((e) => e.seq));
    expect(streamTexts(out)).toEqual(streamTexts(events));
    expect(out.length).toBeLessThan(events.length / 5);
    expect(Math.max(...out.map((e) => Buffer.byteLength(e.line)))).toBeLessThanOrEqual(MAX_COALESCED_DELTA_BYTES);
  });
});
