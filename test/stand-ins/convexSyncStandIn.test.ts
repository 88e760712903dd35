/**
 * The sync-protocol stand-in driven by the real `ConvexClient` (convex/browser,
 * over `ws`) and the bridge's real HTTP transport, against the example host
 * app in memory.
 */
import { ConvexClient } from "convex/browser";
import { ConvexError } from "convex/values";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { api } from "../../example/convex/_generated/api.js";
import { ConvexHttpTransport } from "../../src/bridge/push/convexHttpTransport.js";
import { errorCode } from "../../src/shared/errors.js";
import { threadStarted, toEvents } from "../support/events.js";
import { createConvexApp, type ConvexApp } from "./convexApp.js";
import { identityFromToken, standInJwt, startConvexSyncStandIn, type ConvexSyncStandIn } from "./convexSyncStandIn.js";
import { ConvexTestTransport } from "./convexTestTransport.js";
import { watchQuery } from "./watchQuery.js";

const THREADS = { paginationOpts: { numItems: 20, cursor: null } };
/** A token the test's verifier refuses, as a deployment refuses an expired or forged one. */
const REJECTED_TOKEN = "rejected-token";

let t: ConvexApp;
let standIn: ConvexSyncStandIn;
let clients: ConvexClient[] = [];

beforeEach(async () => {
  t = createConvexApp();
  standIn = await startConvexSyncStandIn(t, {
    rescanMs: 0,
    verifyToken: (token) => (token === REJECTED_TOKEN ? null : identityFromToken(token)),
  });
});

afterEach(async () => {
  await Promise.all(clients.map((client) => client.close()));
  clients = [];
  await standIn.close();
});

/** A real ConvexClient on the stand-in, signed in as `subject` (or signed out). */
function client(subject?: string): ConvexClient {
  const convex = new ConvexClient(standIn.url, {
    webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
    logger: false,
  });
  if (subject !== undefined) convex.setAuth(async () => standInJwt(subject));
  clients.push(convex);
  return convex;
}

/** The bridge's production transport, signed in as `subject` with a plain token (same user as the JWT). */
async function bridgeStartsThread(subject: string, threadId: string): Promise<void> {
  const transport = new ConvexHttpTransport({ url: standIn.url, authToken: subject });
  const sessionId = `session-${threadId}`;
  await transport.ensureSession({ sessionId });
  await transport.ingestSafe({ sessionId, events: toEvents([threadStarted(threadId)]) });
}

describe("subscriptions", () => {
  test("onUpdate gets the initial result, then the thread the bridge's HTTP transport ingests", async () => {
    const threads = watchQuery(client("alice"), api.codex.listThreads, THREADS);
    expect((await threads.next((page) => page.page.length === 0)).isDone).toBe(true);

    await bridgeStartsThread("alice", "thread-1");
    const page = await threads.next((result) => result.page.length === 1);
    expect(page.page[0]?.threadId).toBe("thread-1");
  });

  test("each identity sees only its own threads", async () => {
    const alice = watchQuery(client("alice"), api.codex.listThreads, THREADS);
    const bob = watchQuery(client("bob"), api.codex.listThreads, THREADS);
    await bridgeStartsThread("alice", "thread-alice");
    await bridgeStartsThread("bob", "thread-bob");
    expect((await alice.next((r) => r.page.length > 0)).page.map((t) => t.threadId)).toEqual(["thread-alice"]);
    expect((await bob.next((r) => r.page.length > 0)).page.map((t) => t.threadId)).toEqual(["thread-bob"]);
  });

  test("after the stand-in drops the socket, the client reconnects, resubscribes and sees later writes", async () => {
    const threads = watchQuery(client("alice"), api.codex.listThreads, THREADS);
    await threads.next((r) => r.page.length === 0);
    standIn.dropConnections();
    await bridgeStartsThread("alice", "thread-after-drop");
    const page = await threads.next((r) => r.page.length === 1, 30_000);
    expect(page.page[0]?.threadId).toBe("thread-after-drop");
    expect(standIn.connections()).toBe(1);
  });

  test("writes made on the app directly reach subscribers at recordWrite(), or at the next rescan", async () => {
    const alice = { subject: "alice", tokenIdentifier: "local|alice" };
    const threads = watchQuery(client("alice"), api.codex.listThreads, THREADS);
    await threads.next((r) => r.page.length === 0);
    const direct = new ConvexTestTransport(t, alice);
    await direct.ensureSession({ sessionId: "direct" });
    await direct.ingestSafe({ sessionId: "direct", events: toEvents([threadStarted("thread-direct")]) });
    await standIn.recordWrite();
    expect((await threads.next((r) => r.page.length === 1)).page[0]?.threadId).toBe("thread-direct");

    await standIn.close();
    standIn = await startConvexSyncStandIn(t, { rescanMs: 50 });
    const rescanned = watchQuery(client("alice"), api.codex.listThreads, THREADS);
    await rescanned.next((r) => r.page.length === 1);
    await direct.ingestSafe({ sessionId: "direct", events: toEvents([threadStarted("thread-later")], 2) });
    expect((await rescanned.next((r) => r.page.length === 2)).page.map((thread) => thread.threadId)).toContain("thread-later");
  });
});

describe("mutations", () => {
  test("a mutation resolves with its result once the client's subscriptions reflect it", async () => {
    const convex = client("alice");
    const threads = watchQuery(convex, api.codex.listThreads, THREADS);
    await threads.next((r) => r.page.length === 0);
    expect(await convex.mutation(api.codex.ensureSession, { sessionId: "s1" })).toMatchObject({ sessionId: "s1", created: true });

    const result = await convex.mutation(api.codex.ingestSafe, { sessionId: "s1", events: toEvents([threadStarted("thread-ws")]) });
    expect(result).toMatchObject({ ackedSeq: 1, applied: 1, duplicates: 0 });
    // The client resolves a mutation only after a transition at or past its timestamp.
    expect(threads.current()?.page.map((t) => t.threadId)).toEqual(["thread-ws"]);
  });

  test("an optimistic update shows at once, then gives way to the server's result, never both", async () => {
    const convex = client("alice");
    const threads = watchQuery(convex, api.codex.listThreads, THREADS);
    await threads.next((r) => r.page.length === 0);
    await convex.mutation(api.codex.ensureSession, { sessionId: "s1" });
    const shown: string[][] = [];
    convex.onUpdate(api.codex.listThreads, THREADS, (r) => shown.push(r.page.map((thread) => thread.threadId)));

    const pending = convex.mutation(
      api.codex.ingestSafe,
      { sessionId: "s1", events: toEvents([threadStarted("thread-real")]) },
      {
        optimisticUpdate: (store) => {
          const current = store.getQuery(api.codex.listThreads, THREADS);
          if (!current) return;
          const optimistic = { ...current.page[0], threadId: "thread-optimistic" } as (typeof current.page)[number];
          store.setQuery(api.codex.listThreads, THREADS, { ...current, page: [optimistic, ...current.page] });
        },
      },
    );
    expect(threads.current()?.page.map((thread) => thread.threadId)).toEqual(["thread-optimistic"]);
    await pending;
    expect(threads.current()?.page.map((thread) => thread.threadId)).toEqual(["thread-real"]);
    expect(shown.filter((ids) => ids.length > 1)).toEqual([]);
  });

  test("a thrown ConvexError reaches the caller with its data; signed out, the host's functions say UNAUTHENTICATED", async () => {
    const anonymous = client();
    const error = await anonymous.mutation(api.codex.ensureSession, { sessionId: "s1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConvexError);
    expect(errorCode(error)).toBe("UNAUTHENTICATED");

    const threads = watchQuery(anonymous, api.codex.listThreads, THREADS);
    expect(errorCode(await threads.nextError())).toBe("UNAUTHENTICATED");
  });

  test("argument validation errors fail the mutation without data", async () => {
    const convex = client("alice");
    const error = await convex
      .mutation(api.codex.ensureSession, { sessionId: 42 } as unknown as { sessionId: string })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(ConvexError);
    expect((error as Error).message).toMatch(/Validator error/);
  });
});

describe("auth", () => {
  test("setAuth signs the client in; a token the verifier rejects signs it out, and its calls get UNAUTHENTICATED", async () => {
    const convex = client();
    const states: boolean[] = [];
    convex.setAuth(async () => REJECTED_TOKEN, (isAuthenticated) => states.push(isAuthenticated));
    const threads = watchQuery(convex, api.codex.listThreads, THREADS);
    expect(errorCode(await threads.nextError(30_000))).toBe("UNAUTHENTICATED");
    await expect.poll(() => states, { timeout: 30_000 }).toContain(false);
    expect(states).not.toContain(true);

    const signedIn: boolean[] = [];
    convex.setAuth(async () => standInJwt("alice"), (isAuthenticated) => signedIn.push(isAuthenticated));
    await bridgeStartsThread("alice", "thread-1");
    expect((await threads.next((r) => r.page.length === 1, 30_000)).page[0]?.threadId).toBe("thread-1");
    expect(signedIn).toEqual([true]);
  });
});
