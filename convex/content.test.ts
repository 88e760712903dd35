/**
 * Ingest never throws on a line's content: deep nesting, lone surrogates,
 * huge numbers and odd types are applied or logged as malformed, and the
 * events after them still apply. Nothing stored holds a lone surrogate. A
 * `seqEnd` no bridge could have sent is INVALID_BATCH.
 */
import { describe, expect, test } from "vitest";
import { ConvexError } from "convex/values";
import { api } from "../example/convex/_generated/api.js";
import { initConvexTest } from "../test/convexTest.js";
import { ALICE, dumpTables, HEAVY_TEST_TIMEOUT_MS } from "../test/support/component.js";
import { agentDelta, agentItem, notification, threadStarted, toEvents, turnStarted } from "../test/support/events.js";
import { MAX_COALESCED_SEQS, MAX_LINE_JSON_DEPTH } from "../src/shared/limits.js";

const DEEP_LEVELS = 20_000;
const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
/** A surrogate code unit without its partner. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const ODD_LINES: Record<string, string> = {
  "an item nested 20,000 levels": `{"method":"item/completed","params":{"threadId":"th","turnId":"tu","item":{"id":"d","type":"mcpToolCall","arguments":${deep(DEEP_LEVELS)}}}}`,
  "a server request nested 20,000 levels": `{"id":9,"method":"item/tool/call","params":{"threadId":"th","turnId":"tu","arguments":${deep(DEEP_LEVELS)}}}`,
  "an unknown notification nested 20,000 levels": `{"method":"x/y","params":{"threadId":"th","a":${deep(DEEP_LEVELS)}}}`,
  "a depth just over the limit": `{"method":"x/y","params":{"threadId":"th","a":${deep(MAX_LINE_JSON_DEPTH)}}}`,
  "brackets inside strings do not count": `{"method":"x/y","params":{"threadId":"th","a":"${"[".repeat(DEEP_LEVELS)}\\"{"}}`,
  "lone surrogate escapes in text and fields": `{"method":"item/completed","params":{"threadId":"th","turnId":"tu","item":{"id":"c","type":"commandExecution","command":"rm \\ud800","cwd":"\\udfff/x","aggregatedOutput":"out \\udbff"}}}`,
  "a lone surrogate delta": `{"method":"item/agentMessage/delta","params":{"threadId":"th","turnId":"tu","itemId":"a","delta":"\\ud83d"}}`,
  "a lone surrogate thread name": `{"method":"thread/name/updated","params":{"threadId":"th","threadName":"\\udc00name"}}`,
  "huge numbers": `{"method":"item/completed","params":{"threadId":"th","turnId":"tu","completedAtMs":1e400,"item":{"id":"h","type":"commandExecution","exitCode":-1e999,"durationMs":123456789012345678901234567890}}}`,
  "a huge summary index": `{"method":"item/reasoning/summaryPartAdded","params":{"threadId":"th","turnId":"tu","itemId":"r","summaryIndex":1e400}}`,
  "odd types": `{"method":"turn/completed","params":{"threadId":"th","turn":{"id":["x"],"status":{}}}}`,
  "an odd thread": `{"method":"thread/started","params":{"thread":{"id":"th","status":"idle","preview":5,"name":{}}}}`,
  "not JSON": "{\"method\":",
  "a bare number": "1e999999",
};

describe("ingest never throws on content", () => {
  test.each(Object.entries(ODD_LINES))("%s: applied or logged, and the next event applies", async (_, line) => {
    const t = initConvexTest();
    const alice = t.withIdentity(ALICE);
    await alice.mutation(api.codex.ensureSession, { sessionId: "s" });
    const events = toEvents([threadStarted("th"), turnStarted("th", "tu"), line, agentItem("item/completed", "th", "tu", "after", "later")]);
    const result = await alice.mutation(api.codex.ingestSafe, { sessionId: "s", events });
    expect(result).toMatchObject({ ackedSeq: 4, applied: 4, gap: null });
    const text = await alice.query(api.codex.getMessageText, { threadId: "th", itemId: "after" });
    expect(text?.text).toBe("later");
    const tables = await dumpTables(t);
    const strings = JSON.stringify(tables, (_key, value: unknown) => value);
    // JSON.stringify escapes lone surrogates as \udXXX; a well-formed store has none.
    expect(strings).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/);
    for (const rows of Object.values(tables)) {
      for (const row of rows) for (const value of Object.values(row)) if (typeof value === "string") expect(value).not.toMatch(LONE_SURROGATE);
    }
  }, HEAVY_TEST_TIMEOUT_MS);

  test("a deep line is logged whole as malformed with its reason", async () => {
    const t = initConvexTest();
    const alice = t.withIdentity(ALICE);
    await alice.mutation(api.codex.ensureSession, { sessionId: "s" });
    const line = ODD_LINES["an unknown notification nested 20,000 levels"]!;
    await alice.mutation(api.codex.ingestSafe, { sessionId: "s", events: toEvents([threadStarted("th"), line]) });
    const tables = await dumpTables(t);
    expect(tables.events).toEqual([
      expect.objectContaining({ method: "malformed", reason: `nested deeper than ${MAX_LINE_JSON_DEPTH} levels`, seq: 2 }),
    ]);
  }, HEAVY_TEST_TIMEOUT_MS);

  test("a lone surrogate delta is stored as U+FFFD", async () => {
    const t = initConvexTest();
    const alice = t.withIdentity(ALICE);
    await alice.mutation(api.codex.ensureSession, { sessionId: "s" });
    // The two halves of a pair in two deltas of one batch (stored as one chunk) stay two lone surrogates, as when stored apart.
    const lines = [threadStarted("th"), turnStarted("th", "tu"), ODD_LINES["a lone surrogate delta"]!, agentDelta("th", "tu", "a", "\ude00ok")];
    await alice.mutation(api.codex.ingestSafe, { sessionId: "s", events: toEvents(lines) });
    const tables = await dumpTables(t);
    expect(tables.deltas.map((d) => d.text)).toEqual(["\ufffd\ufffdok"]);
  });
});

describe("seqEnd bound", () => {
  async function codeOf(call: Promise<unknown>): Promise<unknown> {
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConvexError);
    return ((error as ConvexError<{ code: string }>).data as { code: string }).code;
  }

  test("a seqEnd no bridge could have sent is INVALID_BATCH and leaves the session usable", async () => {
    const t = initConvexTest();
    const alice = t.withIdentity(ALICE);
    await alice.mutation(api.codex.ensureSession, { sessionId: "s" });
    const delta = agentDelta("th", "tu", "a", "x");
    for (const seqEnd of [Number.MAX_SAFE_INTEGER, MAX_COALESCED_SEQS + 1]) {
      const events = [{ seq: 1, seqEnd, receivedAt: 1, origin: "codex" as const, line: delta }];
      expect(await codeOf(alice.mutation(api.codex.ingestSafe, { sessionId: "s", events }))).toBe("INVALID_BATCH");
    }
    // The widest accepted run, then the next seq applies (nothing was counted as a duplicate).
    const widest = [{ seq: 1, seqEnd: MAX_COALESCED_SEQS, receivedAt: 1, origin: "codex" as const, line: delta }];
    expect(await alice.mutation(api.codex.ingestSafe, { sessionId: "s", events: widest })).toMatchObject({ ackedSeq: MAX_COALESCED_SEQS });
    const next = toEvents([notification("x/y", {})], MAX_COALESCED_SEQS + 1);
    expect(await alice.mutation(api.codex.ingestSafe, { sessionId: "s", events: next })).toMatchObject({ applied: 1, duplicates: 0 });
  });
});
