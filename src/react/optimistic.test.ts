/**
 * The steering hooks' optimistic updates as pure functions, against a
 * stand-in of convex's OptimisticLocalStore holding cached query results.
 */
import type { OptimisticLocalStore } from "convex/browser";
import { getFunctionName } from "convex/server";
import { describe, expect, test } from "vitest";
import { api } from "../../example/convex/_generated/api.js";
import type { MessageDoc, MessagesPage, ServerRequest } from "../shared/validators.js";
import { mergeMessages } from "./mergeStreams.js";
import { newIdempotencyKey, optimisticAnswer, optimisticSend, withAnswerSent, withOptimisticMessage } from "./optimistic.js";
import type { MessagesQueryArgs } from "./types.js";

/** A local store with cached results by function name and arguments. */
function fakeStore(entries: { name: string; args: unknown; value: unknown }[]): OptimisticLocalStore & { entries: typeof entries } {
  const key = (name: string, args: unknown) => `${name}|${JSON.stringify(args)}`;
  return {
    entries,
    getQuery: (query: never, args: unknown) => entries.find((e) => key(e.name, e.args) === key(getFunctionName(query), args))?.value,
    getAllQueries: (query: never) => entries.filter((e) => e.name === getFunctionName(query)).map(({ args, value }) => ({ args, value })),
    setQuery: (query: never, args: unknown, value: unknown) => {
      const entry = entries.find((e) => key(e.name, e.args) === key(getFunctionName(query), args));
      if (entry) entry.value = value;
      else entries.push({ name: getFunctionName(query), args, value });
    },
  } as unknown as OptimisticLocalStore & { entries: typeof entries };
}

function message(order: number, threadId = "th-1"): MessageDoc {
  return { _id: `m${order}`, _creationTime: order, threadId, turnId: "tu", itemId: `it${order}`, order, kind: "agentMessage", status: "completed", item: "{}" };
}

const page = (messages: MessageDoc[], isDone: boolean): MessagesPage => ({ page: messages, isDone, continueCursor: "c" });
const send = { threadId: "th-1", text: "and now tests", idempotencyKey: "k-1" };
const newest: MessagesQueryArgs = { threadId: "th-1", paginationOpts: { numItems: 30, cursor: null }, order: "desc" };

describe("optimistic user message", () => {
  test("is added on the newest page of the thread, after its newest message", () => {
    const next = withOptimisticMessage(newest, page([message(5), message(4)], false), send, 1000)!;
    expect(next.page[0]).toMatchObject({ kind: "userMessage", role: "user", text: "and now tests", order: 6, status: "inProgress", _id: "optimistic:k-1" });
    // The hooks' merge shows it last (oldest first), as the thread's newest message.
    expect(mergeMessages(next.page, { streams: [], texts: new Map() }).map((m) => m.text ?? m.kind).at(-1)).toBe("and now tests");
    // Applying twice does not add it twice.
    expect(withOptimisticMessage(newest, next, send, 1001)).toBeUndefined();
  });

  test("leaves older pages, other threads and stream-only calls alone; appends to the last page of an ascending query", () => {
    const old = { ...newest, paginationOpts: { numItems: 30, cursor: "abc" } };
    expect(withOptimisticMessage(old, page([message(1)], true), send, 1)).toBeUndefined();
    expect(withOptimisticMessage({ ...newest, threadId: "th-2" }, page([message(1, "th-2")], true), send, 1)).toBeUndefined();
    expect(withOptimisticMessage({ ...newest, paginationOpts: { numItems: 0, cursor: null } }, page([], true), send, 1)).toBeUndefined();
    const asc = { threadId: "th-1", paginationOpts: { numItems: 30, cursor: null } };
    expect(withOptimisticMessage(asc, page([message(0)], false), send, 1)).toBeUndefined();
    expect(withOptimisticMessage(asc, page([message(0)], true), send, 1)?.page.map((m) => m.order)).toEqual([0, 1]);
    expect(withOptimisticMessage(newest, page([], true), send, 1)?.page[0]?.order).toBe(0);
  });

  test("the update writes every matching cached page of listMessages, nothing else", () => {
    const store = fakeStore([
      { name: getFunctionName(api.codex.listMessages), args: newest, value: page([message(2)], false) },
      { name: getFunctionName(api.codex.listMessages), args: { ...newest, threadId: "th-2" }, value: page([], true) },
      { name: getFunctionName(api.codex.listMessages), args: { ...newest, paginationOpts: { numItems: 5, cursor: "x" } }, value: undefined },
    ]);
    optimisticSend(api.codex.listMessages, () => 42)(store, send);
    expect((store.entries[0]!.value as MessagesPage).page.map((m) => m._id)).toEqual(["optimistic:k-1", "m2"]);
    expect((store.entries[1]!.value as MessagesPage).page).toEqual([]);
    expect(store.entries[2]!.value).toBeUndefined();
  });
});

describe("optimistic answer", () => {
  test("the answered request shows its answer as sent in the cached lists of its thread", () => {
    const request = (id: string) => ({ _id: id, _creationTime: 0, requestId: "0", method: "m", status: "pending", params: "", createdAt: 0, threadId: "th-1" }) as ServerRequest;
    const store = fakeStore([
      { name: getFunctionName(api.codex.listServerRequests), args: { threadId: "th-1" }, value: [request("r1"), request("r2")] },
      { name: getFunctionName(api.codex.listServerRequests), args: { threadId: "th-2" }, value: [request("r1")] },
    ]);
    optimisticAnswer(api.codex.listServerRequests)(store, { threadId: "th-1", requestId: "r1", idempotencyKey: "k", response: { decision: "accept" } });
    expect((store.entries[0]!.value as ServerRequest[]).map((r) => [r._id, r.answerCommandId])).toEqual([["r1", "optimistic:k"], ["r2", undefined]]);
    expect((store.entries[1]!.value as ServerRequest[])[0]!.answerCommandId).toBeUndefined();
    // A request the server already marks answered is left as it is.
    expect(withAnswerSent({ threadId: "th-1" }, [{ ...request("r1"), answerCommandId: "c9" }], { threadId: "th-1", requestId: "r1", idempotencyKey: "k" })).toBeUndefined();
  });

  test("idempotency keys are random and distinct", () => {
    const keys = new Set(Array.from({ length: 100 }, newIdempotencyKey));
    expect(keys.size).toBe(100);
    for (const key of keys) expect(key.length).toBeGreaterThanOrEqual(32);
  });
});
