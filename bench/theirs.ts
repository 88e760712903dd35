/**
 * `@zakstam/codex-local-component@0.19.1` under convex-test, fed codex lines the
 * way its own bridge feeds it, for the side-by-side bench:
 *
 * - the component is registered with `registerComponent` from its compiled
 *   `dist/component` modules and its `schema` (the package's `./test` entry);
 * - each codex line goes through the package's own protocol code
 *   (`parseWireMessage`, `classifyMessage`, `extractTurnId`), then becomes a
 *   `stream_delta` as its `CodexLocalBridge.normalize` and host runtime
 *   (`toIngestDelta`) build it: a fresh `eventId`, stream `thread:turn:0`, one
 *   cursor step per line, `payloadJson` = the message; lines its bridge drops
 *   (global scope, not turn-scoped, rejected by its schemas) are dropped here;
 * - batches go to its `sync.ingestSafe` as its host does (`streamDeltas`, no
 *   `lifecycleEvents`), with its default runtime options (`saveStreamDeltas`
 *   off: agent text lives in the message, patched once per batch).
 *
 * Its bridge also merges adjacent agent-message deltas while they wait in its
 * queue; this feeds one event per line, as its component receives them when
 * each line is flushed on its own.
 */
import { randomUUID } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { classifyMessage, extractTurnId, parseWireMessage } from "@zakstam/codex-local-component/protocol";
import theirTest from "@zakstam/codex-local-component/test";
import { convexTest } from "convex-test";
import { componentsGeneric, defineSchema, type FunctionReference } from "convex/server";
import type { CodexEvent } from "../src/shared/validators.js";

/** Name the component is mounted under. */
const NAME = "theirs";
/** The acting user of every call. */
export const THEIR_ACTOR = { userId: "alice" };
/** Their turn-scoped kinds (`TURN_SCOPED_EVENT_PREFIXES` and `error` in their host runtime). */
const TURN_SCOPED_PREFIXES = ["turn/", "item/"];

type Mutation = FunctionReference<"mutation", "public">;
type Query = FunctionReference<"query", "public">;
const refs = componentsGeneric()[NAME] as unknown as {
  threads: { create: Mutation };
  sync: { ensureSession: Mutation; ingestSafe: Mutation; replay: Query };
  messages: { listByThread: Query };
};

function componentModules(): Record<string, () => Promise<unknown>> {
  const root = path.join(path.dirname(fileURLToPath(import.meta.resolve("@zakstam/codex-local-component/test"))), "component");
  const map: Record<string, () => Promise<unknown>> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (name.endsWith(".js")) map[file] = () => import(pathToFileURL(file).href);
    }
  };
  walk(root);
  return map;
}

/** Their event as their host sends it to `sync.ingestSafe`. */
export type TheirDelta = {
  type: "stream_delta";
  eventId: string;
  turnId: string;
  streamId: string;
  kind: string;
  payloadJson: string;
  cursorStart: number;
  cursorEnd: number;
  createdAt: number;
};

/** A fresh app with their component mounted, and helpers to drive it. */
export class TheirApp {
  readonly t = convexTest({
    schema: defineSchema({}),
    // convex-test finds the app's root by a `_generated` path; this app has no functions of its own.
    modules: { "/virtual/convex/_generated/none.js": async () => ({}) },
    transactionLimits: true,
  });
  /** Their bridge's cursor: one step per thread-scoped line so far. */
  cursor = 0;
  private readonly sessionId = "s-1";
  /** Lines their bridge would not ingest. */
  dropped = 0;

  constructor() {
    theirTest.register(this.t, { modules: componentModules(), name: NAME });
  }

  /** Creates the thread and binds the session, as their host does before the first ingest. */
  async start(threadId: string): Promise<void> {
    await this.t.mutation(refs.threads.create, { actor: THEIR_ACTOR, threadId });
    await this.t.mutation(refs.sync.ensureSession, { actor: THEIR_ACTOR, sessionId: this.sessionId, threadId, lastEventCursor: 0 });
  }

  /** The deltas their bridge and host runtime make of `events` (dropping what they drop). */
  convert(events: readonly CodexEvent[]): TheirDelta[] {
    const out: TheirDelta[] = [];
    for (const event of events) {
      let message: ReturnType<typeof parseWireMessage>;
      try {
        message = parseWireMessage(event.line);
      } catch {
        this.dropped += 1;
        continue;
      }
      const classification = classifyMessage(message);
      const start = this.cursor;
      if (classification.scope === "global") {
        this.dropped += 1;
        continue;
      }
      this.cursor += 1; // their bridge steps the cursor for every thread-scoped line
      const turnId = extractTurnId(message);
      const kind = classification.kind;
      if (!turnId || !(kind === "error" || TURN_SCOPED_PREFIXES.some((p) => kind.startsWith(p)))) {
        this.dropped += 1;
        continue;
      }
      out.push({
        type: "stream_delta",
        eventId: randomUUID(),
        turnId,
        streamId: `${classification.threadId}:${turnId}:0`,
        kind,
        payloadJson: JSON.stringify(message),
        cursorStart: start,
        cursorEnd: this.cursor,
        createdAt: event.receivedAt,
      });
    }
    return out;
  }

  /**
   * Ingests `events` of thread `threadId` in batches of `batchEvents` codex lines.
   * @param budgetMs - Wall-clock budget; past it, throws saying how far it got.
   */
  async ingest(threadId: string, events: readonly CodexEvent[], batchEvents: number, budgetMs = Infinity): Promise<void> {
    const deadline = Date.now() + budgetMs;
    for (let i = 0; i < events.length; i += batchEvents) {
      if (Date.now() > deadline) {
        throw new Error(`not done within ${Math.round(budgetMs / 1000)} s of wall time: ${i} of ${events.length} codex lines ingested`);
      }
      const streamDeltas = this.convert(events.slice(i, i + batchEvents));
      if (streamDeltas.length === 0) continue; // their ingest refuses an empty batch
      const answer = (await this.t.mutation(refs.sync.ingestSafe, {
        actor: THEIR_ACTOR,
        sessionId: this.sessionId,
        threadId,
        streamDeltas,
        lifecycleEvents: [],
      })) as { status: string; errors: Array<{ message: string }> };
      if (answer.status === "rejected") {
        throw new Error(`their ingestSafe rejected a batch: ${answer.errors.map((e) => e.message).join("; ")} (batch of codex lines ${i + 1}–${i + batchEvents})`);
      }
    }
  }

  /** One page of their message list (newest first). */
  async listPage(threadId: string, numItems: number, cursor: string | null): Promise<{ page: Array<{ text: string; messageId: string }>; continueCursor: string; isDone: boolean }> {
    return this.t.query(refs.messages.listByThread, { actor: THEIR_ACTOR, threadId, paginationOpts: { numItems, cursor } }) as never;
  }

  /** Their stream replay from the given cursors. */
  async replay(threadId: string, cursors: Array<{ streamId: string; cursor: number }>): Promise<{ deltas: Array<{ payloadJson: string; cursorEnd: number; streamId: string }>; nextCheckpoints: Array<{ streamId: string; cursor: number }> }> {
    return this.t.query(refs.sync.replay, { actor: THEIR_ACTOR, threadId, streamCursorsById: cursors }) as never;
  }
}
