/**
 * Test-only host functions, mounted into the example app by test/convexTest.ts
 * as module `testHost` (call them with `makeFunctionReference("testHost:…")`,
 * or the typed references below):
 * - a host that opts in to raw reasoning (`exposeRawReasoning: true`);
 * - ingest and page reads that also return the transaction's metrics
 *   (`ctx.meta.getTransactionMetrics()`, counting the component's reads),
 *   to show that costs do not grow with a thread's size.
 */
import { makeFunctionReference, mutationGeneric, paginationOptsValidator, queryGeneric } from "convex/server";
import { v } from "convex/values";
import { components } from "../../example/convex/_generated/api.js";
import { defineCodexApi } from "../../src/host/index.js";
import type { CodexEvent, IngestResult, MessagesPage, StreamArgs } from "../../src/shared/validators.js";
import { vCodexEvent } from "../../src/shared/validators.js";

const raw = defineCodexApi(components.codex, { exposeRawReasoning: true });
export const rawListMessages = raw.listMessages;
export const rawGetMessageText = raw.getMessageText;

/** Idle timeouts of the `quickEnsureSession` host, in milliseconds. */
export const QUICK_TIMEOUTS = { turnIdleMs: 60_000, streamIdleMs: 20_000, sessionStaleMs: 30_000 };
export const quickEnsureSession = defineCodexApi(components.codex, { timeouts: QUICK_TIMEOUTS }).ensureSession;
/** A host misconfigured with a timeout below `MIN_IDLE_TIMEOUT_MS`. */
export const badEnsureSession = defineCodexApi(components.codex, { timeouts: { turnIdleMs: 5 } }).ensureSession;

async function userOf(ctx: { auth: { getUserIdentity(): Promise<{ tokenIdentifier: string } | null> } }): Promise<string> {
  const identity = await ctx.auth.getUserIdentity();
  if (!identity) throw new Error("sign in");
  return identity.tokenIdentifier;
}

/** What a transaction used, as `ctx.meta.getTransactionMetrics()` reports it. */
export type Used = { documentsRead: number; bytesRead: number; databaseQueries: number; documentsWritten: number };

async function used(ctx: { meta: { getTransactionMetrics(): Promise<Record<string, { used: number }>> } }): Promise<Used> {
  const m = await ctx.meta.getTransactionMetrics();
  return {
    documentsRead: m.documentsRead?.used ?? 0,
    bytesRead: m.bytesRead?.used ?? 0,
    databaseQueries: m.databaseQueries?.used ?? 0,
    documentsWritten: m.documentsWritten?.used ?? 0,
  };
}

export const measuredIngest = mutationGeneric({
  args: { sessionId: v.string(), events: v.array(vCodexEvent) },
  returns: v.any(),
  handler: async (ctx, args) => {
    const result = await ctx.runMutation(components.codex.ingest.ingestSafe, { ...args, userId: await userOf(ctx) });
    return { result, used: await used(ctx as never) };
  },
});

export const measuredList = queryGeneric({
  args: { threadId: v.string(), paginationOpts: paginationOptsValidator, streamArgs: v.optional(v.any()) },
  returns: v.any(),
  handler: async (ctx, args) => {
    const page = await ctx.runQuery(components.codex.messages.list, { ...args, userId: await userOf(ctx) });
    return { page, used: await used(ctx as never) };
  },
});

/** Typed references to the functions above. */
export const testHost = {
  rawListMessages: makeFunctionReference<"query", {
    threadId: string;
    paginationOpts: { numItems: number; cursor: string | null };
    streamArgs?: StreamArgs;
  }, MessagesPage>("testHost:rawListMessages"),
  rawGetMessageText: makeFunctionReference<"query", { threadId: string; itemId: string }, { text?: string; item: string; reasoningContent?: string[] } | null>(
    "testHost:rawGetMessageText",
  ),
  quickEnsureSession: makeFunctionReference<"mutation", { sessionId: string }, { sessionId: string; ackedSeq: number; created: boolean }>(
    "testHost:quickEnsureSession",
  ),
  badEnsureSession: makeFunctionReference<"mutation", { sessionId: string }, { sessionId: string; ackedSeq: number; created: boolean }>(
    "testHost:badEnsureSession",
  ),
  measuredIngest: makeFunctionReference<"mutation", { sessionId: string; events: CodexEvent[] }, { result: IngestResult; used: Used }>(
    "testHost:measuredIngest",
  ),
  measuredList: makeFunctionReference<
    "query",
    { threadId: string; paginationOpts: { numItems: number; cursor: string | null }; streamArgs?: StreamArgs },
    { page: MessagesPage; used: Used }
  >("testHost:measuredList"),
};
