/**
 * Threads and sessions are keyed per user: two users whose bridges use the
 * same codex thread id and the same session id each get their own thread and
 * session, read only their own rows, and cannot lock each other out; a
 * foreign id is answered exactly like an unknown one (no existence oracle).
 */
import { describe, expect, test } from "vitest";
import { ConvexError } from "convex/values";
import { api } from "../example/convex/_generated/api.js";
import { initConvexTest, type TestConvexApp } from "../test/convexTest.js";
import { ALICE, BOB, ingestLines } from "../test/support/component.js";
import {
  agentDelta,
  agentItem,
  notification,
  threadStarted,
  turnCompleted,
  turnStarted,
} from "../test/support/events.js";

const THREAD = "th-same";
const SESSION = "s-same";

/** One turn of `who` in the shared thread id: a streamed answer, a server request and a logged event. */
function turnOf(who: string): string[] {
  return [
    threadStarted(THREAD),
    turnStarted(THREAD, "tu-1"),
    agentItem("item/started", THREAD, "tu-1", "it-1", ""),
    agentDelta(THREAD, "tu-1", "it-1", `${who} says `),
    agentDelta(THREAD, "tu-1", "it-1", "hello"),
    JSON.stringify({ id: 7, method: "item/commandExecution/requestApproval", params: { threadId: THREAD, turnId: "tu-1", itemId: "it-2", command: `rm ${who}` } }),
    notification("codexConvex/unknown", { threadId: THREAD, who }),
    agentItem("item/completed", THREAD, "tu-1", "it-1", `${who} says hello`),
  ];
}

async function readAll(t: TestConvexApp, identity: typeof ALICE) {
  const user = t.withIdentity(identity);
  const page = { numItems: 50, cursor: null };
  const messages = await user.query(api.codex.listMessages, { threadId: THREAD, paginationOpts: page });
  const events = await user.query(api.codex.listEvents, { threadId: THREAD, paginationOpts: page });
  const requests = await user.query(api.codex.listServerRequests, { threadId: THREAD });
  const turns = await user.query(api.codex.listTurns, { threadId: THREAD });
  const threads = await user.query(api.codex.listThreads, { paginationOpts: page });
  const sessions = await user.query(api.codex.listSessions, {});
  return {
    texts: messages.page.map((m) => m.text),
    events: events.page.map((e) => (JSON.parse(e.line) as { params: { who?: string } }).params.who),
    requests: requests.map((r) => r.command),
    turns: turns.map((tu) => [tu.turnId, tu.status]),
    threads: threads.page.map((th) => [th.threadId, th.userId]),
    sessions: sessions.map((s) => [s.sessionId, s.ackedSeq]),
  };
}

function codeOf(error: unknown): unknown {
  expect(error).toBeInstanceOf(ConvexError);
  return (error as ConvexError<{ code: string; message: string }>).data;
}

describe("threads and sessions are keyed per user", () => {
  test.each([
    ["Alice first", [ALICE, BOB]],
    ["Bob first", [BOB, ALICE]],
  ] as const)("two users with the same thread and session ids each ingest and read their own (%s)", async (_, order) => {
    const t = initConvexTest();
    for (const identity of order) {
      await ingestLines(t, turnOf(identity.subject).slice(0, 5), { identity, sessionId: SESSION });
    }
    // Interleave the rest: neither user's bridge is locked out by the other.
    for (const identity of order) {
      await ingestLines(t, [...turnOf(identity.subject).slice(5), turnCompleted(THREAD, "tu-1")], { identity, sessionId: SESSION });
    }
    for (const identity of [ALICE, BOB]) {
      const who = identity.subject;
      expect(await readAll(t, identity)).toEqual({
        texts: [`${who} says hello`],
        events: [who],
        requests: [],
        turns: [["tu-1", "completed"]],
        threads: [[THREAD, identity.tokenIdentifier]],
        sessions: [[SESSION, 9]],
      });
      const cancelled = await t.withIdentity(identity).query(api.codex.listServerRequests, { threadId: THREAD, status: "cancelled" });
      expect(cancelled.map((r) => r.command)).toEqual([`rm ${who}`]);
    }
  });

  test("a foreign thread id is answered exactly like an unknown one", async () => {
    const t = initConvexTest();
    await ingestLines(t, turnOf("alice"), { identity: ALICE, sessionId: SESSION });
    const bob = t.withIdentity(BOB);
    const page = { numItems: 5, cursor: null };
    for (const [threadId, label] of [[THREAD, "foreign"], ["th-nobody", "unknown"]] as const) {
      const renamed = (data: unknown) => JSON.parse(JSON.stringify(data).replaceAll(threadId, "<id>")) as unknown;
      const answers = await Promise.all(
        [
          bob.query(api.codex.listMessages, { threadId, paginationOpts: page }),
          bob.query(api.codex.listEvents, { threadId, paginationOpts: page }),
          bob.query(api.codex.getMessageText, { threadId, itemId: "it-1" }),
          bob.query(api.codex.listTurns, { threadId }),
        ].map((call) => call.then(() => "answered", (e: unknown) => renamed(codeOf(e)))),
      );
      expect(answers, label).toEqual(Array(4).fill({ code: "THREAD_NOT_FOUND", message: "No thread <id> for this user." }));
      expect(await bob.query(api.codex.getThread, { threadId }), label).toBeNull();
    }
    // A foreign session id is unknown to Bob, exactly like one nobody uses.
    for (const sessionId of [SESSION, "s-nobody"]) {
      const error = await bob.mutation(api.codex.ingestSafe, { sessionId, events: [] }).catch((e: unknown) => e);
      expect(JSON.stringify(codeOf(error)).replaceAll(sessionId, "<id>")).toBe(
        JSON.stringify({ code: "SESSION_NOT_FOUND", message: "Session <id> is unknown for this user; call ensureSession first." }),
      );
    }
  });
});
