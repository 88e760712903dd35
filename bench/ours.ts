/**
 * Our component under convex-test, for the side-by-side bench: the example host
 * app with the component mounted (test/stand-ins/convexApp.ts), fed bridge
 * events through the host's `ensureSession`/`ingestSafe` as the bridge pushes
 * them, in batches of a fixed number of outbox rows, each batch coalesced by
 * stream (`coalesceDeltas`) when asked, as the pusher does.
 */
import { api } from "../example/convex/_generated/api.js";
import { coalesceDeltas } from "../src/bridge/push/coalesce.js";
import { MAX_BATCH_BYTES } from "../src/shared/limits.js";
import type { CodexEvent, MessagesPage, StreamCursor } from "../src/shared/validators.js";
import { createConvexApp } from "../test/stand-ins/convexApp.js";

/** The identity every call acts as. */
export const OUR_USER = { subject: "alice", tokenIdentifier: "bench|alice" };

export class OurApp {
  readonly t = createConvexApp();
  private readonly user = this.t.withIdentity(OUR_USER);
  private readonly sessionId = "s-1";
  /** Events sent (a coalesced run counts once). */
  sent = 0;

  constructor(private readonly coalesce: boolean) {}

  async start(): Promise<void> {
    await this.user.mutation(api.codex.ensureSession, { sessionId: this.sessionId });
  }

  /**
   * Ingests `events` in batches of at most `batchEvents` outbox rows and
   * `MAX_BATCH_BYTES` of lines (a longer line alone), as the outbox hands them
   * to the pusher; throws on any gap.
   * @param beforeBatch - Awaited before each batch is sent, with its rows (a paced feed advances the clock there).
   */
  async ingest(events: readonly CodexEvent[], batchEvents: number, beforeBatch?: (rows: readonly CodexEvent[]) => Promise<void>): Promise<void> {
    for (let i = 0; i < events.length; ) {
      const rows = [events[i]!];
      let bytes = events[i]!.line.length;
      for (let j = i + 1; j < events.length && rows.length < batchEvents; j++) {
        bytes += events[j]!.line.length;
        if (bytes > MAX_BATCH_BYTES) break;
        rows.push(events[j]!);
      }
      i += rows.length;
      if (beforeBatch) await beforeBatch(rows);
      const batch = this.coalesce ? coalesceDeltas(rows) : rows;
      this.sent += batch.length;
      const answer = await this.user.mutation(api.codex.ingestSafe, { sessionId: this.sessionId, events: batch });
      if (answer.gap !== null) throw new Error(`our ingestSafe reported a gap: ${JSON.stringify(answer.gap)}`);
    }
  }

  /** One page of messages (newest first). */
  async listPage(threadId: string, numItems: number, cursor: string | null): Promise<MessagesPage> {
    return this.user.query(api.codex.listMessages, { threadId, paginationOpts: { numItems, cursor } });
  }

  /** A page plus the deltas of `cursors`. */
  async poll(threadId: string, numItems: number, cursors: StreamCursor[]): Promise<MessagesPage> {
    return this.user.query(api.codex.listMessages, { threadId, paginationOpts: { numItems, cursor: null }, streamArgs: { kind: "deltas", cursors } });
  }

  /** The thread's live streams, as a client learns them (`streamArgs: {kind: "list"}`). */
  async liveStreams(threadId: string): Promise<Array<{ streamId: string; itemId: string; nextCursor: number }>> {
    const r = await this.user.query(api.codex.listMessages, { threadId, paginationOpts: { numItems: 0, cursor: null }, streamArgs: { kind: "list" } });
    return r.streams?.kind === "list" ? r.streams.streams : [];
  }
}
