import { v } from "convex/values";
import { mutation, query } from "./_generated/server.js";
import { codexError } from "../src/shared/errors.js";
import { MAX_PAGE_SIZE, MIN_IDLE_TIMEOUT_MS } from "../src/shared/limits.js";
import { type Timeouts, vSession, vSessionState, vTimeouts } from "../src/shared/validators.js";
import { createAck, readAckedSeq } from "./lib/sessionAck.js";
import { touchSession } from "./lib/sessionWatch.js";

/** Longest accepted bridge session id, in characters. */
export const MAX_SESSION_ID_CHARS = 128;

/** @throws ConvexError INVALID_ARGUMENT when a timeout is not an integer of at least `MIN_IDLE_TIMEOUT_MS`. */
function checkTimeouts(timeouts: Timeouts | undefined): void {
  for (const [name, ms] of Object.entries(timeouts ?? {})) {
    if (ms !== undefined && (!Number.isSafeInteger(ms) || ms < MIN_IDLE_TIMEOUT_MS)) {
      throw codexError("INVALID_ARGUMENT", `timeouts.${name} must be an integer of at least ${MIN_IDLE_TIMEOUT_MS} ms; got ${ms}.`);
    }
  }
}

/**
 * Registers a bridge session, or finds it again after a bridge restart. Either
 * way the session counts as seen now (no longer stale).
 *
 * @param userId - Owner of the session, as the host app derived it from auth.
 * @param sessionId - Bridge-generated id (≤ 128 chars), stable across restarts.
 * @param codexVersion - The codex version the bridge runs, when known.
 * @param hostname - The bridge machine's name, when known.
 * @param timeouts - Idle timeouts for this session's turns, streams and
 *   liveness, in milliseconds (`{turnIdleMs?, streamIdleMs?, sessionStaleMs?}`,
 *   each ≥ 1000); absent ones keep their value or take the defaults.
 * @returns `{ sessionId, ackedSeq, created }`: the bridge resumes pushing after `ackedSeq`.
 * Sessions are keyed by (user, session id): another user's session of the
 * same id is a different session, never seen nor in the way.
 * @throws ConvexError INVALID_ARGUMENT when the session id is empty or too
 *   long, or a timeout is out of range.
 */
export const ensureSession = mutation({
  args: {
    userId: v.string(),
    sessionId: v.string(),
    codexVersion: v.optional(v.string()),
    hostname: v.optional(v.string()),
    timeouts: v.optional(vTimeouts),
  },
  returns: vSessionState,
  handler: async (ctx, args) => {
    if (args.sessionId.length === 0 || args.sessionId.length > MAX_SESSION_ID_CHARS) {
      throw codexError(
        "INVALID_ARGUMENT",
        `sessionId must be 1 to ${MAX_SESSION_ID_CHARS} characters; got ${args.sessionId.length}.`,
      );
    }
    checkTimeouts(args.timeouts);
    const now = Date.now();
    const existing = await ctx.db
      .query("sessions")
      .withIndex("by_userId_sessionId", (q) => q.eq("userId", args.userId).eq("sessionId", args.sessionId))
      .unique();
    if (existing) {
      await touchSession(ctx, existing, now, {
        codexVersion: args.codexVersion ?? existing.codexVersion,
        hostname: args.hostname ?? existing.hostname,
        timeouts: args.timeouts ?? existing.timeouts,
      });
      return { sessionId: args.sessionId, ackedSeq: await readAckedSeq(ctx, existing), created: false };
    }
    const id = await ctx.db.insert("sessions", {
      sessionId: args.sessionId,
      userId: args.userId,
      ackedSeq: 0,
      ackRef: await createAck(ctx, 0),
      codexVersion: args.codexVersion,
      hostname: args.hostname,
      timeouts: args.timeouts,
      lastSeenAt: now,
    });
    await touchSession(ctx, (await ctx.db.get("sessions", id))!, now);
    return { sessionId: args.sessionId, ackedSeq: 0, created: true };
  },
});

/**
 * The user's bridge sessions, most recently seen first, with whether each is
 * stale (no call for its `sessionStaleMs`).
 *
 * @param userId - Owner, as the host app derived it from auth.
 * @param limit - How many (1..200, default 50).
 * @returns sessions, newest `lastSeenAt` first.
 * @throws ConvexError INVALID_ARGUMENT when `limit` is out of range.
 */
export const list = query({
  args: { userId: v.string(), limit: v.optional(v.number()) },
  returns: v.array(vSession),
  handler: async (ctx, args) => {
    const limit = args.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw codexError("INVALID_ARGUMENT", `limit must be an integer from 1 to ${MAX_PAGE_SIZE}; got ${limit}.`);
    }
    const sessions = await ctx.db
      .query("sessions")
      .withIndex("by_userId_lastSeenAt", (q) => q.eq("userId", args.userId))
      .order("desc")
      .take(limit);
    const result = [];
    for (const s of sessions) {
      result.push({
        sessionId: s.sessionId,
        ackedSeq: await readAckedSeq(ctx, s),
        codexVersion: s.codexVersion,
        hostname: s.hostname,
        lastSeenAt: s.lastSeenAt,
        stale: s.stale === true,
      });
    }
    return result;
  },
});
