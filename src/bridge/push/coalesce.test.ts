import { describe, expect, it } from "vitest";
import type { CodexEvent } from "../../shared/validators.js";
import { coalesceDeltas } from "./coalesce.js";

function delta(itemId: string, text: string, method = "item/agentMessage/delta", extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ method, params: { threadId: "thr", turnId: "turn", itemId, delta: text, ...extra } });
}

function event(seq: number, line: string, origin: "codex" | "bridge" = "codex"): CodexEvent {
  return { seq, receivedAt: 1_000 + seq, origin, line };
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
    const odd = '{ "method" : "item/agentMessage/delta", "params": {"itemId":"a","delta":"x"} }';
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

  it("caps the bytes merged into one event", () => {
    const events = Array.from({ length: 10 }, (_, i) => event(i + 1, delta("a", "d".repeat(100))));
    const lineBytes = Buffer.byteLength(events[0]?.line ?? "");
    const out = coalesceDeltas(events, lineBytes * 4);
    expect(out.map((e) => [e.seq, e.seqEnd])).toEqual([
      [1, 4],
      [5, 8],
      [9, 10],
    ]);
  });
});
