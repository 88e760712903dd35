/**
 * Reads the Convex side of a chaos run (the component's tables in the
 * in-memory app) into a normalized form that two runs can be compared by:
 * thread, turn and item ids differ between runs, so turns are compared by
 * order and status, messages by order, kind, status and text, streams by
 * kind/part and their whole text. Also checks each stream's deltas cover its
 * cursor range exactly once (no delta doubled or missing).
 */
import { readAckedSeq } from "../../convex/lib/sessionAck.js";
import { streamHead } from "../../convex/lib/streamHead.js";
import { messageText } from "../../convex/lib/textInStream.js";
import { runInCodex, type ConvexApp } from "../stand-ins/convexApp.js";

/** One message (Codex item). `streams` maps `kind:part` to the stream's whole text. */
export type MessageSnap = { kind: string; status: string; text: string | null; streams: Record<string, string> };

/** One turn with its messages in order. */
export type TurnSnap = { turnId: string; status: string; error: string | null; messages: MessageSnap[] };

/** One thread with its turns in order. */
export type ThreadSnap = { threadId: string; sessionId: string; turns: TurnSnap[] };

/** The Convex side of a run. */
export type ConvexSnap = {
  threads: ThreadSnap[];
  /** `ackedSeq` of each Convex session, by session id. */
  ackedSeq: Record<string, number>;
  /** Problems found in the delta ranges (empty when every stream is exact). */
  deltaProblems: string[];
};

type Doc = Record<string, unknown> & { _id: string };
type Ctx = Parameters<Parameters<typeof runInCodex>[1]>[0];

/** Reads every thread, turn, message, stream and session of the component. */
export async function readConvex(t: ConvexApp): Promise<ConvexSnap> {
  return runInCodex(t, async (ctx) => {
    const db = ctx.db as unknown as LooseDb;
    const deltaProblems: string[] = [];
    const threads: ThreadSnap[] = [];
    for (const thread of (await db.query("threads").collect()) as Doc[]) {
      const threadId = String(thread.threadId);
      const turns = (await db.query("turns").withIndex("by_threadRef_order", (q) => q.eq("threadRef", thread._id)).collect()) as Doc[];
      const messages = (await db.query("messages").withIndex("by_threadRef_order", (q) => q.eq("threadRef", thread._id)).collect()) as Doc[];
      const streams = (await db.query("streams").withIndex("by_threadRef_state", (q) => q.eq("threadRef", thread._id)).collect()) as Doc[];
      const snaps: TurnSnap[] = [];
      for (const turn of turns) {
        const turnId = String(turn.turnId);
        const items: MessageSnap[] = [];
        for (const message of messages.filter((m) => m.turnId === turnId)) {
          // Inline, in its own parts, or kept once as its stream's text (textStream): as messages.getText reads it.
          const text = (await messageText(ctx as never, message as never)) ?? null;
          const own: Record<string, string> = {};
          for (const stream of streams.filter((s) => s.itemId === message.itemId)) {
            own[`${String(stream.kind)}:${String(stream.part)}`] = await streamText(ctx, db, stream, deltaProblems);
          }
          items.push({ kind: String(message.kind), status: String(message.status), text, streams: own });
        }
        snaps.push({ turnId, status: String(turn.status), error: (turn.error as string | undefined) ?? null, messages: items });
      }
      threads.push({ threadId, sessionId: String(thread.sessionId), turns: snaps });
    }
    const ackedSeq: Record<string, number> = {};
    for (const session of (await db.query("sessions").collect()) as Doc[]) ackedSeq[String(session.sessionId)] = await readAckedSeq(ctx as never, session as never);
    return { threads, ackedSeq, deltaProblems };
  });
}

/** A stream's whole text: its compacted base (if any) and its deltas, checking the deltas' ranges. */
async function streamText(ctx: Ctx, db: LooseDb, stream: Doc, problems: string[]): Promise<string> {
  const base = stream.baseParts ? await partsText(ctx, stream._id, "base") : "";
  const deltas = (await db.query("deltas").withIndex("by_streamId_start", (q) => q.eq("streamId", stream._id)).collect()) as Doc[];
  let cursor = Number(stream.compactedCursor ?? 0);
  let text = base;
  for (const delta of deltas) {
    if (Number(delta.start) !== cursor) problems.push(`stream ${stream._id}: delta starts at ${String(delta.start)}, expected ${cursor}`);
    cursor = Number(delta.end);
    text += delta.textParts ? await partsText(ctx, delta._id, "text") : String(delta.text);
  }
  // The stream's end as the component derives it (its newest chunk, else its own fields; convex/lib/streamHead.ts).
  const { nextCursor } = await streamHead(ctx as never, stream as never);
  if (cursor !== nextCursor) problems.push(`stream ${stream._id}: deltas end at ${cursor}, nextCursor ${nextCursor}`);
  return text;
}

async function partsText(ctx: Ctx, ownerId: string, field: string): Promise<string> {
  const db = ctx.db as unknown as LooseDb;
  const parts = (await db
    .query("parts")
    .withIndex("by_ownerId_field_index", (q) => q.eq("ownerId", ownerId).eq("field", field))
    .collect()) as Doc[];
  return parts.map((p) => String(p.text)).join("");
}

/** The db reader without the component's (changing) table types. */
type LooseQuery = { eq(field: string, value: unknown): LooseQuery };
type LooseDb = {
  query(table: string): {
    collect(): Promise<unknown[]>;
    withIndex(index: string, range: (q: LooseQuery) => LooseQuery): { collect(): Promise<unknown[]> };
  };
};

/** Threads of the given outbox sessions that have at least one turn. */
export function threadsOf(snap: ConvexSnap, sessionId: string): ThreadSnap[] {
  return snap.threads.filter((thread) => thread.sessionId === sessionId && thread.turns.length > 0);
}

/**
 * Stream kinds whose presence is codex's choice, not the bridge's: codex
 * streams a command's output as `outputDelta`s only sometimes (a quick
 * command's output may arrive whole in `item/completed`). Such streams are
 * left out of the comparison and checked against the item's text instead
 * (see {@link streamProblems}).
 */
export const OPTIONAL_STREAM_KINDS = ["commandOutput"];

/** The turns a comparison keeps: all but those failed by the bridge (cut off by a crash or stop). */
export function survivingTurns(thread: ThreadSnap): Array<Omit<TurnSnap, "turnId">> {
  return thread.turns
    .filter((turn) => !isCutOff(turn))
    .map(({ turnId: _id, ...rest }) => ({
      ...rest,
      messages: rest.messages.map((m) => ({
        ...m,
        streams: Object.fromEntries(Object.entries(m.streams).filter(([key]) => !OPTIONAL_STREAM_KINDS.includes(key.split(":")[0] ?? ""))),
      })),
    }));
}

/** Optional streams of completed messages whose text is not the start of the message's text. */
export function streamProblems(thread: ThreadSnap): string[] {
  const problems: string[] = [];
  for (const turn of thread.turns.filter((t) => !isCutOff(t))) {
    for (const message of turn.messages) {
      for (const [key, text] of Object.entries(message.streams)) {
        if (!OPTIONAL_STREAM_KINDS.includes(key.split(":")[0] ?? "")) continue;
        if (!(message.text ?? "").startsWith(text)) problems.push(`turn ${turn.turnId}: stream ${key} is not a prefix of its item's text`);
      }
    }
  }
  return problems;
}

/** Whether a turn was recorded failed by the bridge (`bridge/turnFailed`). */
export function isCutOff(turn: TurnSnap): boolean {
  return turn.status === "failed" && /bridge|codex exited/i.test(turn.error ?? "");
}

/** The lines of a session's events log in Convex (events the tables do not model), in seq order. */
export async function loggedLines(t: ConvexApp, sessionId: string): Promise<Array<{ seq: number; origin: string; method: string; line: string }>> {
  return runInCodex(t, async (ctx) => {
    const db = ctx.db as unknown as LooseDb;
    // A full scan (test-sized tables), so the test does not depend on the log's indexes.
    const events = ((await db.query("events").collect()) as Doc[])
      .filter((event) => event.sessionId === sessionId)
      .sort((a, b) => Number(a.seq) - Number(b.seq));
    const out: Array<{ seq: number; origin: string; method: string; line: string }> = [];
    for (const event of events) {
      const line = event.lineParts ? await partsText(ctx, event._id, "line") : String(event.line);
      out.push({ seq: Number(event.seq), origin: String(event.origin), method: String(event.method), line });
    }
    return out;
  });
}
