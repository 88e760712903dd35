import { describe, expect, test } from "vitest";
import { api } from "../example/convex/_generated/api.js";
import { initConvexTest } from "../test/convexTest.js";
import { HEAVY_TEST_TIMEOUT_MS, largestDocument } from "../test/support/component.js";
import { agentDelta, agentItem, agentMessageLines, notification, threadStarted, toEvents, turnStarted } from "../test/support/events.js";
import type { MessageDoc, StreamDelta } from "../src/shared/validators.js";

const ALICE = { subject: "alice", tokenIdentifier: "test|alice" };
const BOB = { subject: "bob", tokenIdentifier: "test|bob" };

async function ingest(t: ReturnType<typeof initConvexTest>, lines: string[], identity = ALICE, sessionId = "s-1") {
  const user = t.withIdentity(identity);
  const { ackedSeq } = await user.mutation(api.codex.ensureSession, { sessionId });
  const events = toEvents(lines, ackedSeq + 1);
  for (let i = 0; i < events.length; i += 200) {
    const result = await user.mutation(api.codex.ingestSafe, { sessionId, events: events.slice(i, i + 200) });
    expect(result.gap).toBeNull();
  }
  return user;
}

describe("messages.list", () => {
  test("pages 250 messages in stable order, newest first and oldest first", async () => {
    const t = initConvexTest();
    const lines = [threadStarted("th-1"), turnStarted("th-1", "tu-1")];
    for (let i = 0; i < 250; i++) lines.push(agentItem("item/completed", "th-1", "tu-1", `it-${i}`, `message ${i}`));
    const alice = await ingest(t, lines);

    for (const order of ["desc", "asc"] as const) {
      const seen: MessageDoc[] = [];
      let cursor: string | null = null;
      let pages = 0;
      for (;;) {
        const page: Awaited<ReturnType<typeof alice.query<typeof api.codex.listMessages>>> = await alice.query(
          api.codex.listMessages,
          { threadId: "th-1", order, paginationOpts: { numItems: 40, cursor } },
        );
        seen.push(...page.page);
        pages += 1;
        if (page.isDone) break;
        cursor = page.continueCursor;
      }
      expect(pages).toBe(7);
      const orders = seen.map((m) => m.order);
      const expected = Array.from({ length: 250 }, (_, i) => i);
      expect(orders).toEqual(order === "asc" ? expected : expected.reverse());
      expect(new Set(seen.map((m) => m.itemId)).size).toBe(250);
      expect(seen.find((m) => m.order === 17)?.text).toBe("message 17");
    }
  }, HEAVY_TEST_TIMEOUT_MS);

  test("live deltas: the stream list and deltas from any cursor rebuild the text", async () => {
    const t = initConvexTest();
    const chunks = ["The ", "quick ", "brown ", "fox ", "jumps ", "over."];
    const lines = [threadStarted("th-1"), turnStarted("th-1", "tu-1"), agentItem("item/started", "th-1", "tu-1", "it-1", ""), ...chunks.map((c) => agentDelta("th-1", "tu-1", "it-1", c))];
    // One delta per ingest batch, as a live stream arrives: each is stored as a chunk of its own, so every cursor is a chunk boundary.
    const alice = t.withIdentity(ALICE);
    await alice.mutation(api.codex.ensureSession, { sessionId: "s-1" });
    for (const event of toEvents(lines)) await alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: [event] });
    const listed = await alice.query(api.codex.listMessages, {
      threadId: "th-1",
      paginationOpts: { numItems: 0, cursor: null },
      streamArgs: { kind: "list" },
    });
    expect(listed.streams?.kind).toBe("list");
    const streams = listed.streams?.kind === "list" ? listed.streams.streams : [];
    expect(streams).toEqual([expect.objectContaining({ itemId: "it-1", kind: "agentText", state: "streaming", nextCursor: 6 })]);
    const streamId = streams[0]!.streamId;

    async function deltasFrom(cursor: number): Promise<StreamDelta[]> {
      const r = await alice.query(api.codex.listMessages, {
        threadId: "th-1",
        paginationOpts: { numItems: 0, cursor: null },
        streamArgs: { kind: "deltas", cursors: [{ streamId, cursor }] },
      });
      return r.streams?.kind === "deltas" ? r.streams.deltas : [];
    }
    expect((await deltasFrom(0)).map((d) => d.text).join("")).toBe(chunks.join(""));
    expect((await deltasFrom(4)).map((d) => d.text).join("")).toBe("jumps over.");
    expect(await deltasFrom(6)).toEqual([]);

    // The message is in progress until item/completed makes its text durable.
    const page = await alice.query(api.codex.listMessages, { threadId: "th-1", paginationOpts: { numItems: 5, cursor: null } });
    expect(page.page[0]).toMatchObject({ itemId: "it-1", status: "inProgress" });
    await ingest(t, [agentItem("item/completed", "th-1", "tu-1", "it-1", chunks.join(""))]);
    const after = await alice.query(api.codex.listMessages, {
      threadId: "th-1",
      paginationOpts: { numItems: 5, cursor: null },
      streamArgs: { kind: "list" },
    });
    expect(after.page[0]).toMatchObject({ status: "completed", text: chunks.join("") });
    expect(after.streams).toEqual({ kind: "list", streams: [] });
    // Finished streams still answer from a cursor until cleanup removes them.
    expect((await deltasFrom(0)).map((d) => d.text).join("")).toBe(chunks.join(""));
  }, HEAVY_TEST_TIMEOUT_MS);

  test("a coalesced delta advances the cursor by the seqs it covers", async () => {
    const t = initConvexTest();
    const alice = t.withIdentity(ALICE);
    await alice.mutation(api.codex.ensureSession, { sessionId: "s-1" });
    const events = toEvents([threadStarted("th-1"), agentDelta("th-1", "tu-1", "it-1", "abc")]);
    events.push({ seq: 3, seqEnd: 5, receivedAt: 1, origin: "codex", line: agentDelta("th-1", "tu-1", "it-1", "defghi") });
    events.push(...toEvents([agentDelta("th-1", "tu-1", "it-1", "j")], 6));
    expect(await alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events })).toMatchObject({ ackedSeq: 6, applied: 4 });
    const r = await alice.query(api.codex.listMessages, {
      threadId: "th-1",
      paginationOpts: { numItems: 0, cursor: null },
      streamArgs: { kind: "list" },
    });
    expect(r.streams).toMatchObject({ kind: "list", streams: [{ nextCursor: 5 }] });
  });

  test("a 5 MB command output is stored in parts and read back byte-exact", async () => {
    const t = initConvexTest();
    let output = "";
    for (let i = 0; output.length < 5 * 1024 * 1024; i++) output += `line ${i} ✓ ${"x".repeat(i % 97)}\n`;
    const item = { type: "commandExecution", id: "cmd-1", command: "yes", cwd: "/tmp", status: "completed", aggregatedOutput: output, exitCode: 0 };
    await ingest(t, [threadStarted("th-1")]);
    // A single event may exceed MAX_BATCH_BYTES (up to MAX_EVENT_BYTES) when sent alone.
    const alice = await ingest(t, [notification("item/completed", { threadId: "th-1", turnId: "tu-1", item, completedAtMs: 5 })]);
    const page = await alice.query(api.codex.listMessages, { threadId: "th-1", paginationOpts: { numItems: 5, cursor: null } });
    const message = page.page[0]!;
    expect(message.textParts).toBeGreaterThan(1);
    expect(message.textLength).toBe(output.length);
    expect(output.startsWith(message.text!)).toBe(true);
    const full = await alice.query(api.codex.getMessageText, { threadId: "th-1", itemId: "cmd-1" });
    expect(full?.text).toBe(output);
    expect(JSON.parse(full!.item)).toEqual(item);
    expect((await largestDocument(t)).bytes).toBeLessThan(1024 * 1024);
  }, HEAVY_TEST_TIMEOUT_MS);

  test("another user can neither list nor read a thread, and guests are refused", async () => {
    const t = initConvexTest();
    await ingest(t, [threadStarted("th-1"), ...agentMessageLines("th-1", "tu-1", "it-1", ["secret"])]);
    const bob = t.withIdentity(BOB);
    await expect(
      bob.query(api.codex.listMessages, { threadId: "th-1", paginationOpts: { numItems: 5, cursor: null } }),
    ).rejects.toThrow(/THREAD_NOT_FOUND|No thread/);
    await expect(bob.query(api.codex.getMessageText, { threadId: "th-1", itemId: "it-1" })).rejects.toThrow(/No thread/);
    expect(await bob.query(api.codex.getThread, { threadId: "th-1" })).toBeNull();
    expect((await bob.query(api.codex.listThreads, { paginationOpts: { numItems: 5, cursor: null } })).page).toEqual([]);
    await expect(
      t.query(api.codex.listMessages, { threadId: "th-1", paginationOpts: { numItems: 5, cursor: null } }),
    ).rejects.toThrow(/Sign in/);
    const alice = t.withIdentity(ALICE);
    expect((await alice.query(api.codex.listThreads, { paginationOpts: { numItems: 5, cursor: null } })).page).toEqual([
      expect.objectContaining({ threadId: "th-1", cwd: "/tmp/work" }),
    ]);
  });
});
