/**
 * The stand-in's sync protocol spoken by hand (raw `ws`): versions and
 * timestamps on the wire, mutation dedupe across reconnects, and what a
 * client that breaks the protocol or asks for more than a user may gets.
 */
import { once } from "node:events";
import { ConvexHttpClient } from "convex/browser";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { api } from "../../../example/convex/_generated/api.js";
import { createConvexApp } from "../convexApp.js";
import { startConvexSyncStandIn, type ConvexSyncStandIn } from "../convexSyncStandIn.js";
import { identityFromToken, LOCAL_ISSUER, standInJwt } from "./standInAuth.js";
import { decodeTs, encodeTs, MAX_TS, type ServerMessage } from "./syncProtocol.js";

const THREADS = { paginationOpts: { numItems: 20, cursor: null } };
const WAIT_MS = 15_000;

let standIn: ConvexSyncStandIn;
const sockets: WebSocket[] = [];

beforeEach(async () => {
  standIn = await startConvexSyncStandIn(createConvexApp(), { rescanMs: 0 });
});

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await standIn.close();
});

type Raw = {
  send(message: Record<string, unknown>): void;
  sendText(text: string): void;
  /** The next message of `type` not yet taken. */
  next<T extends ServerMessage["type"]>(type: T): Promise<Extract<ServerMessage, { type: T }>>;
  closed: Promise<number>;
};

async function openSocket(path = "/api/1.48.0/sync"): Promise<Raw> {
  const ws = new WebSocket(standIn.url.replace(/^http/, "ws") + path);
  sockets.push(ws);
  const inbox: ServerMessage[] = [];
  const wake = new Set<() => void>();
  ws.on("message", (data: Buffer) => {
    inbox.push(JSON.parse(data.toString("utf8")) as ServerMessage);
    for (const waiter of [...wake]) waiter();
  });
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  await once(ws, "open");
  return {
    send: (message) => ws.send(JSON.stringify(message)),
    sendText: (text) => ws.send(text),
    next: (type) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const index = inbox.findIndex((m) => m.type === type);
          if (index < 0) return;
          wake.delete(check);
          clearTimeout(timer);
          resolve(inbox.splice(index, 1)[0] as never);
        };
        const timer = setTimeout(() => {
          wake.delete(check);
          reject(new Error(`no ${type} within ${WAIT_MS} ms; got ${JSON.stringify(inbox).slice(0, 300)}`));
        }, WAIT_MS);
        wake.add(check);
        check();
      }),
    closed,
  };
}

function connect(raw: Raw, sessionId: string, extra: Record<string, unknown> = {}): void {
  raw.send({ type: "Connect", sessionId, connectionCount: 0, lastCloseReason: "InitialConnect", clientTs: Date.now(), ...extra });
}

function signIn(raw: Raw, subject: string, baseVersion = 0): void {
  raw.send({ type: "Authenticate", tokenType: "User", value: standInJwt(subject), baseVersion });
}

function ensureSession(raw: Raw, requestId: number, sessionId: string): void {
  raw.send({ type: "Mutation", requestId, udfPath: "codex:ensureSession", args: [{ sessionId }] });
}

describe("wire", () => {
  test("timestamps are u64 little-endian in base64, as the convex client decodes them", () => {
    expect(encodeTs(0n)).toBe("AAAAAAAAAAA=");
    expect(encodeTs(1n)).toBe("AQAAAAAAAAA=");
    expect(encodeTs(258n)).toBe("AgEAAAAAAAA=");
    expect(decodeTs(encodeTs(MAX_TS))).toBe(MAX_TS);
    expect(() => encodeTs(-1n)).toThrow(RangeError);
    expect(() => decodeTs("AQ==")).toThrow(/8 bytes/);
  });

  test("transitions chain from version 0, reflect the identity, and reach past each mutation's timestamp", async () => {
    const raw = await openSocket();
    connect(raw, "session-a");
    signIn(raw, "alice");
    raw.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [{ type: "Add", queryId: 0, udfPath: "codex:listThreads", args: [THREADS] }] });
    const first = await raw.next("Transition");
    expect(first.startVersion).toEqual({ querySet: 0, identity: 0, ts: encodeTs(0n) });
    expect(first.endVersion).toMatchObject({ querySet: 1, identity: 1 });
    expect(first.modifications).toEqual([
      { type: "QueryUpdated", queryId: 0, value: { page: [], isDone: true, continueCursor: expect.any(String) as string }, logLines: [], journal: null },
    ]);

    ensureSession(raw, 0, "s1");
    const response = await raw.next("MutationResponse");
    expect(response).toMatchObject({ requestId: 0, success: true, result: { sessionId: "s1", created: true } });
    const after = await raw.next("Transition");
    expect(after.startVersion).toEqual(first.endVersion);
    expect(decodeTs(after.endVersion.ts)).toBeGreaterThanOrEqual(decodeTs((response as { ts: string }).ts));
    // ensureSession creates no thread: the query's result did not change, so it is not sent again.
    expect(after.modifications).toEqual([]);

    raw.send({ type: "ModifyQuerySet", baseVersion: 1, newVersion: 2, modifications: [{ type: "Remove", queryId: 0 }] });
    expect((await raw.next("Transition")).modifications).toEqual([{ type: "QueryRemoved", queryId: 0 }]);
  });
});

describe("actions", () => {
  test("an Action gets an ActionResponse (a failure here: the example app has no actions)", async () => {
    const raw = await openSocket();
    connect(raw, "session-a");
    signIn(raw, "alice");
    raw.send({ type: "Action", requestId: 3, udfPath: "codex:missingAction", args: [{}] });
    expect(await raw.next("ActionResponse")).toMatchObject({ requestId: 3, success: false, result: expect.any(String) as string, logLines: [] });
    expect(standIn.calls.action).toBe(1);
  });
});

describe("reconnects", () => {
  test("a mutation resent on a new connection of the same session gets its first answer and runs once", async () => {
    const first = await openSocket();
    connect(first, "session-a");
    signIn(first, "alice");
    ensureSession(first, 7, "s1");
    const original = await first.next("MutationResponse");
    expect(original).toMatchObject({ success: true, result: { created: true } });

    const again = await openSocket();
    connect(again, "session-a", { connectionCount: 1, lastCloseReason: "network" });
    signIn(again, "alice");
    ensureSession(again, 7, "s1");
    expect(await again.next("MutationResponse")).toEqual(original);

    // Another session's request 7 is another mutation: it runs, and finds the session already there.
    const other = await openSocket();
    connect(other, "session-b");
    signIn(other, "alice");
    ensureSession(other, 7, "s1");
    expect(await other.next("MutationResponse")).toMatchObject({ success: true, result: { created: false } });
    expect(standIn.calls.mutation).toBe(2);
  });
});

describe("what a client may not do", () => {
  test.each([
    ["a frame that is not JSON", (raw: Raw) => raw.sendText("{not json"), /must be JSON/],
    ["a message of no known type", (raw: Raw) => raw.send({ type: "Subscribe" }), /not a sync-protocol client message/],
    ["a message before Connect", (raw: Raw) => ensureSession(raw, 0, "s1"), /send Connect before Mutation/],
    [
      "a query set change from the wrong version",
      (raw: Raw) => {
        connect(raw, "s");
        raw.send({ type: "ModifyQuerySet", baseVersion: 3, newVersion: 4, modifications: [] });
      },
      /does not follow query set version 0/,
    ],
    [
      "removing a query never added",
      (raw: Raw) => {
        connect(raw, "s");
        raw.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [{ type: "Remove", queryId: 9 }] });
      },
      /never added/,
    ],
    [
      "claiming a timestamp the stand-in never reached",
      (raw: Raw) => connect(raw, "s", { maxObservedTimestamp: encodeTs(1_000_000n) }),
      /ahead of this stand-in/,
    ],
  ])("%s gets FatalError and the socket closes", async (_name, misbehave, message) => {
    const raw = await openSocket();
    misbehave(raw);
    expect((await raw.next("FatalError")).error).toMatch(message);
    expect(await raw.closed).toBe(1008);
  });

  test("admin auth is refused with AuthError and the socket closes", async () => {
    const raw = await openSocket();
    connect(raw, "s");
    raw.send({ type: "Authenticate", tokenType: "Admin", value: "admin-key", baseVersion: 0 });
    expect(await raw.next("AuthError")).toEqual({ type: "AuthError", error: expect.stringMatching(/no admin keys/) as string, baseVersion: 0, authUpdateAttempted: true });
    expect(await raw.closed).toBe(1000);
  });

  test("a component's functions cannot be called directly (they trust their userId argument)", async () => {
    const raw = await openSocket();
    connect(raw, "s");
    signIn(raw, "mallory");
    expect((await raw.next("Transition")).endVersion.identity).toBe(1);
    raw.send({ type: "Mutation", requestId: 0, udfPath: "sessions:ensureSession", args: [{ sessionId: "x", userId: "local|alice" }], componentPath: "codex" });
    expect(await raw.next("MutationResponse")).toMatchObject({ success: false, result: expect.stringMatching(/admin auth/) as string });
    raw.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [{ type: "Add", queryId: 0, udfPath: "threads:list", args: [{ ...THREADS, userId: "local|alice" }], componentPath: "codex" }] });
    expect((await raw.next("Transition")).modifications).toMatchObject([{ type: "QueryFailed", queryId: 0, errorMessage: expect.stringMatching(/admin auth/) as string }]);
  });

  test("only the sync path upgrades, and an outage refuses WebSockets and HTTP calls", async () => {
    await expect(openSocket("/api/1.48.0/other")).rejects.toThrow(/404/);
    standIn.setUnreachable(true);
    await expect(openSocket()).rejects.toThrow(/503/);
    await expect(new ConvexHttpClient(standIn.url, { logger: false }).query(api.codex.listThreads, THREADS)).rejects.toThrow(/outage/);
    standIn.setUnreachable(false);
    await openSocket();
    expect(standIn.connections()).toBe(1);
  });

  test("over HTTP, a token the verifier rejects gets 401", async () => {
    await standIn.close();
    standIn = await startConvexSyncStandIn(createConvexApp(), { rescanMs: 0, verifyToken: () => null });
    const http = new ConvexHttpClient(standIn.url, { logger: false });
    http.setAuth("forged");
    await expect(http.query(api.codex.listThreads, THREADS)).rejects.toThrow(/rejected this auth token/);
  });
});

describe("tokens", () => {
  test("a plain token and a stand-in JWT of the same subject are the same user", () => {
    expect(identityFromToken("alice")).toEqual({ subject: "alice", issuer: LOCAL_ISSUER, tokenIdentifier: "local|alice" });
    expect(identityFromToken(standInJwt("alice", { name: "Alice" }))).toEqual({
      subject: "alice",
      issuer: LOCAL_ISSUER,
      tokenIdentifier: "local|alice",
      name: "Alice",
    });
    expect(identityFromToken(standInJwt("alice", { iss: "https://issuer.example" }))?.tokenIdentifier).toBe("https://issuer.example|alice");
  });

  test("an expired JWT, a JWT without subject, a malformed JWT and an empty token are invalid", () => {
    expect(identityFromToken(standInJwt("alice", { exp: Math.floor(Date.now() / 1000) - 1 }))).toBeNull();
    expect(identityFromToken(standInJwt(""))).toBeNull();
    expect(identityFromToken("a.%%%.c")).toBeNull();
    expect(identityFromToken("")).toBeNull();
  });
});
