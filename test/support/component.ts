/**
 * Helpers for component tests through the example host app: identities,
 * ingesting lines as a bridge session would, recorded transcripts as events,
 * and inspecting the component's tables (contents, document sizes).
 */
import { expect } from "vitest";
import { getConvexSize } from "convex/values";
import { api } from "../../example/convex/_generated/api.js";
import type { CodexEvent } from "../../src/shared/validators.js";
import { runInCodex, type TestConvexApp } from "../convexTest.js";
import { toEvents } from "./events.js";
import type { Doc } from "../../convex/_generated/dataModel.js";
import { readAckedSeq } from "../../convex/lib/sessionAck.js";
import { streamHead } from "../../convex/lib/streamHead.js";

/**
 * Timeout of a heavy convex-test test (megabytes of text, thousands of rows,
 * long transcripts), in ms: ample headroom for a busy 2-core CI machine. No
 * test asserts on speed.
 */
export const HEAVY_TEST_TIMEOUT_MS = 120_000;

export const ALICE = { subject: "alice", tokenIdentifier: "test|alice" };
export const BOB = { subject: "bob", tokenIdentifier: "test|bob" };

/** Every table of the component. */
export const TABLES = [
  "sessions",
  "sessionAcks",
  "threads",
  "turns",
  "messages",
  "streams",
  "deltas",
  "parts",
  "events",
  "serverRequests",
  "checkpoints",
] as const;
export type TableName = (typeof TABLES)[number];

/** Pushes `events` as session `sessionId` of `identity` in batches of `batch`; expects no gap. */
export async function ingestEvents(
  t: TestConvexApp,
  events: CodexEvent[],
  options: { identity?: typeof ALICE; sessionId?: string; batch?: number } = {},
) {
  const user = t.withIdentity(options.identity ?? ALICE);
  const sessionId = options.sessionId ?? "s-1";
  await user.mutation(api.codex.ensureSession, { sessionId });
  const batch = options.batch ?? 200;
  for (let i = 0; i < events.length; i += batch) {
    const result = await user.mutation(api.codex.ingestSafe, { sessionId, events: events.slice(i, i + batch) });
    expect(result.gap).toBeNull();
  }
  return user;
}

/** Pushes codex lines after what the session already acknowledged. */
export async function ingestLines(
  t: TestConvexApp,
  lines: string[],
  options: { identity?: typeof ALICE; sessionId?: string; origin?: "codex" | "bridge" } = {},
) {
  const user = t.withIdentity(options.identity ?? ALICE);
  const sessionId = options.sessionId ?? "s-1";
  const { ackedSeq } = await user.mutation(api.codex.ensureSession, { sessionId });
  const events = toEvents(lines, ackedSeq + 1).map((e) => ({ ...e, origin: options.origin ?? "codex" }));
  return ingestEvents(t, events, options);
}

/** The "in" lines (from codex) of a recorded transcript (`{dir, line}` per line), as events from seq 1. */
export function transcriptEvents(jsonl: string): CodexEvent[] {
  const lines = jsonl
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { dir: string; line: string })
    .filter((l) => l.dir === "in")
    .map((l) => l.line);
  return toEvents(lines);
}

/** Every document of the component's tables, without ids, creation times and fields that hold times of day. */
export async function dumpTables(t: TestConvexApp): Promise<Record<TableName, Record<string, unknown>[]>> {
  const VOLATILE = new Set(["_id", "_creationTime", "lastSeenAt", "updatedAt", "streamId", "watchdogAt", "lastEventAt", "finishedAt", "ownerId", "resolvedAt", "threadRef", "sessionRef", "ackRef", "textStream"]);
  return runInCodex(t, async (ctx) => {
    const out = {} as Record<TableName, Record<string, unknown>[]>;
    for (const table of TABLES) {
      let docs = (await ctx.db.query(table as never).collect()) as Record<string, unknown>[];
      // As the component's functions see them: a stream's end derived from its newest chunk, a session's ack from its row.
      if (table === "streams") docs = await Promise.all(docs.map(async (d) => ({ ...d, nextCursor: (await streamHead(ctx, d as unknown as Doc<"streams">)).nextCursor })));
      if (table === "sessions") docs = await Promise.all(docs.map(async (d) => ({ ...d, ackedSeq: await readAckedSeq(ctx, d as unknown as Doc<"sessions">) })));
      out[table] = docs.map((d) => Object.fromEntries(Object.entries(d).filter(([k]) => !VOLATILE.has(k))));
    }
    return out;
  });
}

/** The largest stored document of the component (`getConvexSize`, bytes) and its table. */
export async function largestDocument(t: TestConvexApp): Promise<{ table: string; bytes: number }> {
  return runInCodex(t, async (ctx) => {
    let largest = { table: "", bytes: 0 };
    for (const table of TABLES) {
      for (const doc of (await ctx.db.query(table as never).collect()) as Record<string, unknown>[]) {
        const bytes = getConvexSize(doc as never);
        if (bytes > largest.bytes) largest = { table, bytes };
      }
    }
    return largest;
  });
}
