import { v } from "convex/values";
import { mutation } from "./_generated/server.js";
import { codexError } from "../src/shared/errors.js";
import { vSessionState } from "../src/shared/validators.js";

/** Longest accepted bridge session id, in characters. */
export const MAX_SESSION_ID_CHARS = 128;

/**
 * Registers a bridge session, or finds it again after a bridge restart.
 *
 * @param userId - Owner of the session, as the host app derived it from auth.
 * @param sessionId - Bridge-generated id (≤ 128 chars), stable across restarts.
 * @returns `{ sessionId, ackedSeq, created }`: the bridge resumes pushing after `ackedSeq`.
 * @throws ConvexError SESSION_MISMATCH when the session belongs to another user;
 *   INVALID_ARGUMENT when the session id is empty or too long.
 */
export const ensureSession = mutation({
  args: {
    userId: v.string(),
    sessionId: v.string(),
    codexVersion: v.optional(v.string()),
    hostname: v.optional(v.string()),
  },
  returns: vSessionState,
  handler: async (ctx, args) => {
    if (args.sessionId.length === 0 || args.sessionId.length > MAX_SESSION_ID_CHARS) {
      throw codexError(
        "INVALID_ARGUMENT",
        `sessionId must be 1 to ${MAX_SESSION_ID_CHARS} characters; got ${args.sessionId.length}.`,
      );
    }
    const now = Date.now();
    const existing = await ctx.db
      .query("sessions")
      .withIndex("by_sessionId", (q) => q.eq("sessionId", args.sessionId))
      .unique();
    if (existing) {
      if (existing.userId !== args.userId) {
        throw codexError(
          "SESSION_MISMATCH",
          `Session ${args.sessionId} belongs to another user; start a new bridge session (new outbox) for this user.`,
        );
      }
      await ctx.db.patch("sessions", existing._id, {
        lastSeenAt: now,
        codexVersion: args.codexVersion ?? existing.codexVersion,
        hostname: args.hostname ?? existing.hostname,
      });
      return { sessionId: args.sessionId, ackedSeq: existing.ackedSeq, created: false };
    }
    await ctx.db.insert("sessions", {
      sessionId: args.sessionId,
      userId: args.userId,
      ackedSeq: 0,
      codexVersion: args.codexVersion,
      hostname: args.hostname,
      lastSeenAt: now,
    });
    return { sessionId: args.sessionId, ackedSeq: 0, created: true };
  },
});
