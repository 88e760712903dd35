/**
 * Host helpers: the public functions a host app exposes to its bridge and its
 * browsers, wrapping the mounted component. The user is always derived on the
 * server (from `ctx.auth` or a resolver the host passes in), never taken from
 * the client's arguments.
 */
import {
  type GenericDataModel,
  type GenericMutationCtx,
  type GenericQueryCtx,
  mutationGeneric,
  paginationOptsValidator,
  queryGeneric,
} from "convex/server";
import { v } from "convex/values";
import type { ComponentApi } from "../../convex/_generated/component.js";
import { codexError } from "../shared/errors.js";
import { defineSteerApi } from "./steer.js";
import {
  type Timeouts,
  vCheckpoint,
  vCodexEvent,
  vIngestResult,
  vLoggedEvent,
  vMessagesPage,
  vMessageText,
  vPageFields,
  vServerRequest,
  vServerRequestStatus,
  vSession,
  vSessionState,
  vStreamArgs,
  vStreamCursor,
  vThread,
  vTurn,
} from "../shared/validators.js";

type AnyCtx = GenericQueryCtx<GenericDataModel> | GenericMutationCtx<GenericDataModel>;

/**
 * Resolves the signed-in user of a call to a stable user id, or null when the
 * caller is not signed in. Runs on the server with the call's context.
 */
export type UserIdResolver = (ctx: AnyCtx) => Promise<string | null>;

/** The default resolver: the JWT's `tokenIdentifier` from `ctx.auth`. */
export const userIdFromAuth: UserIdResolver = async (ctx) => {
  const identity = await ctx.auth.getUserIdentity();
  return identity?.tokenIdentifier ?? null;
};

export type CodexApiOptions = {
  /** How to find the caller's user id; defaults to {@link userIdFromAuth}. */
  getUserId?: UserIdResolver;
  /**
   * Show reasoning items' raw content (`item/reasoning/textDelta` streams and
   * the item's `content`) to readers. Default false: only summaries are shown.
   */
  exposeRawReasoning?: boolean;
  /**
   * Idle timeouts of bridge sessions, in milliseconds (each ≥ 1000), stored
   * by `ensureSession`: `turnIdleMs` (default 30 min) closes a turn with no
   * event as interrupted, `streamIdleMs` (10 min) finishes a silent stream,
   * `sessionStaleMs` (10 min) marks a silent session stale. The turn and
   * session watchdogs act after their timeout and at most a tenth of it (1 min
   * at most) later, never sooner: ingest restamps a turn or session only that
   * often, so streaming does not rewrite them per batch.
   */
  timeouts?: Timeouts;
};

/**
 * Defines the public Convex functions of a host app around the mounted
 * component. Export them from a module of the host's `convex/` folder:
 *
 * ```ts
 * export const { ensureSession, ingestSafe, listMessages, getMessageText,
 *   listThreads, getThread, listTurns, getTurnDiff, listServerRequests,
 *   saveCheckpoints, listCheckpoints, listEvents, listSessions,
 *   // steering (see ./steer.ts): browser side
 *   createPairingCode, listDevices, renameDevice, revokeDevice, startThread,
 *   sendMessage, interruptTurn, archiveThread, unarchiveThread, renameThread,
 *   forkThread, rollbackThread, answerServerRequest, getCommand,
 *   // bridge side (device secret)
 *   redeemPairingCode, deviceHeartbeat, listDeviceCommands, claimCommand, completeCommand,
 * } = defineCodexApi(components.codex, { exposeRawReasoning: false });
 * ```
 *
 * Every browser-facing function throws ConvexError UNAUTHENTICATED when the
 * resolver finds no user; bridge-facing ones authenticate the device secret
 * instead (DEVICE_UNKNOWN, DEVICE_REVOKED); the rest of each function's contract is the component's (see
 * `convex/ingest.ts`, `convex/messages.ts`, `convex/threads.ts`,
 * `convex/checkpoints.ts`, ...).
 *
 * @param component - `components.codex` (the mounted component's API).
 * @param options - `{ getUserId?, exposeRawReasoning?, timeouts? }`.
 * @returns the functions, keyed by the names the bridge and hooks expect.
 */
export function defineCodexApi(component: ComponentApi, options: CodexApiOptions = {}) {
  const resolve = options.getUserId ?? userIdFromAuth;
  const exposeRawReasoning = options.exposeRawReasoning === true;
  async function requireUser(ctx: AnyCtx): Promise<string> {
    const userId = await resolve(ctx);
    if (userId === null) {
      throw codexError("UNAUTHENTICATED", "Sign in first: this function needs an authenticated user.");
    }
    return userId;
  }
  /** The bridge's user: the device's owner with a device secret, else the signed-in user (JWT option). */
  async function bridgeUser(ctx: AnyCtx, deviceSecret: string | undefined): Promise<string> {
    if (deviceSecret === undefined) return requireUser(ctx);
    return (await ctx.runQuery(component.devices.authenticate, { deviceSecret })).userId;
  }
  return {
    /**
     * Registers or resumes a bridge session; see the component's `sessions.ensureSession`.
     * With `deviceSecret` the user is the device's owner and the session is bound to the device
     * (commands on its threads go there); without it, the signed-in user. @throws DEVICE_UNKNOWN, DEVICE_REVOKED.
     */
    ensureSession: mutationGeneric({
      args: {
        deviceSecret: v.optional(v.string()),
        sessionId: v.string(),
        codexVersion: v.optional(v.string()),
        hostname: v.optional(v.string()),
      },
      returns: vSessionState,
      handler: async (ctx, { deviceSecret, ...args }) => {
        const state = await ctx.runMutation(component.sessions.ensureSession, {
          ...args,
          ...(options.timeouts ? { timeouts: options.timeouts } : {}),
          userId: await bridgeUser(ctx, deviceSecret),
        });
        if (deviceSecret !== undefined) {
          await ctx.runMutation(component.devices.attachSession, { deviceSecret, sessionId: args.sessionId });
        }
        return state;
      },
    }),
    /**
     * Applies a batch of bridge events; see the component's `ingest.ingestSafe`. The user is the
     * device's owner with `deviceSecret`, else the signed-in user. @throws DEVICE_UNKNOWN, DEVICE_REVOKED.
     */
    ingestSafe: mutationGeneric({
      args: { deviceSecret: v.optional(v.string()), sessionId: v.string(), events: v.array(vCodexEvent) },
      returns: vIngestResult,
      handler: async (ctx, { deviceSecret, ...args }) =>
        ctx.runMutation(component.ingest.ingestSafe, { ...args, userId: await bridgeUser(ctx, deviceSecret) }),
    }),
    /** A page of a thread's messages plus streams; see the component's `messages.list`. */
    listMessages: queryGeneric({
      args: {
        threadId: v.string(),
        paginationOpts: paginationOptsValidator,
        order: v.optional(v.union(v.literal("asc"), v.literal("desc"))),
        streamArgs: v.optional(vStreamArgs),
      },
      returns: vMessagesPage,
      handler: async (ctx, args) =>
        ctx.runQuery(component.messages.list, { ...args, exposeRawReasoning, userId: await requireUser(ctx) }),
    }),
    /** The whole text and raw item of one message; see the component's `messages.getText`. */
    getMessageText: queryGeneric({
      args: { threadId: v.string(), itemId: v.string(), turnId: v.optional(v.string()) },
      returns: v.union(v.null(), vMessageText),
      handler: async (ctx, args) =>
        ctx.runQuery(component.messages.getText, { ...args, exposeRawReasoning, userId: await requireUser(ctx) }),
    }),
    /** The caller's threads, newest first; see the component's `threads.list`. */
    listThreads: queryGeneric({
      args: { paginationOpts: paginationOptsValidator },
      returns: v.object({ page: v.array(vThread), ...vPageFields }),
      handler: async (ctx, args) =>
        ctx.runQuery(component.threads.list, { ...args, userId: await requireUser(ctx) }),
    }),
    /** One of the caller's threads, or null; see the component's `threads.get`. */
    getThread: queryGeneric({
      args: { threadId: v.string() },
      returns: v.union(v.null(), vThread),
      handler: async (ctx, args) =>
        ctx.runQuery(component.threads.get, { ...args, userId: await requireUser(ctx) }),
    }),
    /** The newest turns of a thread; see the component's `turns.list`. */
    listTurns: queryGeneric({
      args: { threadId: v.string(), limit: v.optional(v.number()) },
      returns: v.array(vTurn),
      handler: async (ctx, args) =>
        ctx.runQuery(component.turns.list, { ...args, userId: await requireUser(ctx) }),
    }),
    /** The whole diff of a turn; see the component's `turns.getDiff`. */
    getTurnDiff: queryGeneric({
      args: { threadId: v.string(), turnId: v.string() },
      returns: v.union(v.null(), v.string()),
      handler: async (ctx, args) =>
        ctx.runQuery(component.turns.getDiff, { ...args, userId: await requireUser(ctx) }),
    }),
    /** A thread's server requests (pending approvals, ...); see the component's `serverRequests.list`. */
    listServerRequests: queryGeneric({
      args: { threadId: v.string(), status: v.optional(vServerRequestStatus), limit: v.optional(v.number()) },
      returns: v.array(vServerRequest),
      handler: async (ctx, args) =>
        ctx.runQuery(component.serverRequests.list, { ...args, userId: await requireUser(ctx) }),
    }),
    /** Saves this device's stream cursors; see the component's `checkpoints.save`. */
    saveCheckpoints: mutationGeneric({
      args: { deviceId: v.string(), threadId: v.string(), cursors: v.array(vStreamCursor) },
      returns: v.object({ saved: v.number() }),
      handler: async (ctx, args) =>
        ctx.runMutation(component.checkpoints.save, { ...args, userId: await requireUser(ctx) }),
    }),
    /** This device's saved stream cursors in a thread; see the component's `checkpoints.list`. */
    listCheckpoints: queryGeneric({
      args: { deviceId: v.string(), threadId: v.string() },
      returns: v.array(vCheckpoint),
      handler: async (ctx, args) =>
        ctx.runQuery(component.checkpoints.list, { ...args, userId: await requireUser(ctx) }),
    }),
    /** A page of a thread's event log; see the component's `events.list`. */
    listEvents: queryGeneric({
      args: { threadId: v.string(), paginationOpts: paginationOptsValidator },
      returns: v.object({ page: v.array(vLoggedEvent), ...vPageFields }),
      handler: async (ctx, args) =>
        ctx.runQuery(component.events.list, { ...args, userId: await requireUser(ctx) }),
    }),
    /** The caller's bridge sessions; see the component's `sessions.list`. */
    listSessions: queryGeneric({
      args: { limit: v.optional(v.number()) },
      returns: v.array(vSession),
      handler: async (ctx, args) =>
        ctx.runQuery(component.sessions.list, { ...args, userId: await requireUser(ctx) }),
    }),
    ...defineSteerApi(component, requireUser),
  };
}
