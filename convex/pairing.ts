/**
 * Pairing: a signed-in user creates a short code in the browser; the bridge
 * redeems it once for a device secret. Codes and secrets are stored only as
 * SHA-256 hashes.
 *
 * Rate limits use convex-helpers' token buckets (`convex-helpers/server/rateLimit`,
 * a table in this component's schema) rather than the `@convex-dev/rate-limiter`
 * component: they run inside this component's own transaction with no nested
 * component to mount, and need no new dependency. A failed attempt must still
 * count, but a mutation that throws rolls its writes back; so `redeem` is an
 * action: the attempt commits in `consume` (which returns, never throws, for a
 * bad code), then the action throws.
 */
import { v } from "convex/values";
import { rateLimit } from "convex-helpers/server/rateLimit";
import { internal } from "./_generated/api.js";
import { action, internalMutation, mutation } from "./_generated/server.js";
import { codexError } from "../src/shared/errors.js";
import {
  MAX_DEVICE_NAME_CHARS,
  MAX_LIVE_PAIRING_CODES_PER_USER,
  PAIRING_ATTEMPTS_PER_CODE,
  PAIRING_ATTEMPTS_PER_DEPLOYMENT,
  PAIRING_CODE_TTL_MS,
  PAIRING_RATE_PERIOD_MS,
} from "../src/shared/limits.js";
import { vPairingCode, vRedeemedDevice } from "../src/shared/validators.js";
import { newDeviceSecret, newPairingCode, normalizePairingCode, sha256Hex } from "./lib/secrets.js";
import { checkName } from "./lib/deviceFields.js";

/** Token bucket of every redeem attempt of the deployment. */
const DEPLOYMENT_LIMIT = {
  kind: "token bucket",
  rate: PAIRING_ATTEMPTS_PER_DEPLOYMENT,
  period: PAIRING_RATE_PERIOD_MS,
  capacity: PAIRING_ATTEMPTS_PER_DEPLOYMENT,
} as const;

/** Token bucket of the attempts of one code value, over a code's lifetime. */
const CODE_LIMIT = {
  kind: "token bucket",
  rate: PAIRING_ATTEMPTS_PER_CODE,
  period: PAIRING_CODE_TTL_MS,
  capacity: PAIRING_ATTEMPTS_PER_CODE,
} as const;

/** Name of the per-code token buckets in the `rateLimits` table. */
const CODE_BUCKET = "pairingRedeemCode";

/** Hash input of a code: a fixed prefix keeps code hashes apart from secret hashes. */
const codeHashOf = (code: string) => sha256Hex(`pairing-code:${code}`);

/**
 * Creates a single-use pairing code for the caller, valid `PAIRING_CODE_TTL_MS` (10 min).
 * @param userId - Owner, as the host app derived it from auth.
 * @param name - Name the paired device gets (≤ 128 chars); the bridge's `--name` wins over it.
 * @returns `{ code, expiresAt }`: `code` as `XXXX-XXXX` (shown once, stored only as a hash), `expiresAt` in ms since the epoch.
 * @throws ConvexError INVALID_ARGUMENT when `name` is empty or too long; RATE_LIMITED (with `retryAfterMs`)
 *   when the user already holds `MAX_LIVE_PAIRING_CODES_PER_USER` unused codes.
 */
export const createCode = mutation({
  args: { userId: v.string(), name: v.optional(v.string()) },
  returns: vPairingCode,
  handler: async (ctx, args) => {
    if (args.name !== undefined) checkName(args.name, "name");
    const now = Date.now();
    const recent = await ctx.db
      .query("pairingCodes")
      .withIndex("by_userId", (q) => q.eq("userId", args.userId))
      .order("desc")
      .take(MAX_LIVE_PAIRING_CODES_PER_USER);
    const live = recent.filter((c) => c.usedAt === undefined && c.expiresAt > now);
    if (live.length >= MAX_LIVE_PAIRING_CODES_PER_USER) {
      const retryAfterMs = Math.min(...live.map((c) => c.expiresAt)) - now;
      throw codexError(
        "RATE_LIMITED",
        `You already have ${live.length} unused pairing codes; use one, or wait ${Math.ceil(retryAfterMs / 1000)} s for the oldest to expire.`,
        { retryAfterMs },
      );
    }
    const code = newPairingCode();
    const expiresAt = now + PAIRING_CODE_TTL_MS;
    const codeId = await ctx.db.insert("pairingCodes", {
      userId: args.userId,
      codeHash: await codeHashOf(normalizePairingCode(code)!),
      name: args.name,
      createdAt: now,
      expiresAt,
    });
    await ctx.scheduler.runAt(expiresAt, internal.pairing.deleteCode, { codeId });
    return { code, expiresAt };
  },
});

type ConsumeResult =
  | { ok: true; deviceId: string }
  | { ok: false; code: "RATE_LIMITED" | "PAIRING_CODE_INVALID"; retryAfterMs?: number };

const vConsumeResult = v.union(
  v.object({ ok: v.literal(true), deviceId: v.string() }),
  v.object({ ok: v.literal(false), code: v.union(v.literal("RATE_LIMITED"), v.literal("PAIRING_CODE_INVALID")), retryAfterMs: v.optional(v.number()) }),
);

/**
 * Counts one redeem attempt and, when within the limits and the code is
 * live, uses the code and creates the device. Returns (never throws) on a bad
 * code, so the attempt's count commits.
 */
export const consume = internalMutation({
  args: {
    normalizedCode: v.optional(v.string()),
    secretHash: v.string(),
    name: v.optional(v.string()),
    hostname: v.optional(v.string()),
  },
  returns: vConsumeResult,
  handler: async (ctx, args) => {
    const now = Date.now();
    const codeHash = args.normalizedCode === undefined ? undefined : await codeHashOf(args.normalizedCode);
    // Per code first: a client retrying one wrong code is stopped without draining the deployment's budget.
    if (codeHash !== undefined) {
      // Every code value tried gets a bucket row; it is deleted once the bucket would be full again
      // (PAIRING_CODE_TTL_MS), so guesses never leave rows behind for good.
      const bucket = await ctx.db
        .query("rateLimits")
        .withIndex("name", (q) => q.eq("name", CODE_BUCKET).eq("key", codeHash))
        .unique();
      if (bucket === null) await ctx.scheduler.runAfter(PAIRING_CODE_TTL_MS, internal.pairing.deleteCodeBucket, { key: codeHash });
      const perCode = await rateLimit(ctx, { name: CODE_BUCKET, key: codeHash, config: CODE_LIMIT });
      if (!perCode.ok) return { ok: false as const, code: "RATE_LIMITED" as const, retryAfterMs: Math.max(0, (perCode.retryAt ?? now) - now) };
    }
    const global = await rateLimit(ctx, { name: "pairingRedeem", config: DEPLOYMENT_LIMIT });
    if (!global.ok) return { ok: false as const, code: "RATE_LIMITED" as const, retryAfterMs: Math.max(0, (global.retryAt ?? now) - now) };
    const pairing =
      codeHash === undefined
        ? null
        : await ctx.db.query("pairingCodes").withIndex("by_codeHash", (q) => q.eq("codeHash", codeHash)).unique();
    if (pairing === null || pairing.usedAt !== undefined || pairing.expiresAt <= now) {
      return { ok: false as const, code: "PAIRING_CODE_INVALID" as const };
    }
    await ctx.db.patch("pairingCodes", pairing._id, { usedAt: now });
    const deviceId = await ctx.db.insert("devices", {
      userId: pairing.userId,
      secretHash: args.secretHash,
      name: args.name ?? pairing.name ?? args.hostname ?? "Desktop",
      hostname: args.hostname,
      createdAt: now,
      workspaces: [],
      runningThreadIds: [],
    });
    return { ok: true as const, deviceId };
  },
});

/**
 * Redeems a pairing code for a new device of the code's owner. No auth: the
 * code is the credential. The secret is generated here, returned once and
 * stored only as its SHA-256.
 * @param code - The code as typed (`XXXX-XXXX`; case, dashes and spaces do not matter).
 * @param name - The device's name (≤ 128 chars); else the name given with the code, the hostname, or "Desktop".
 * @param hostname - The machine's hostname (≤ 128 chars).
 * @returns `{ deviceId, deviceSecret }` (≥ 256 random bits, base64url).
 * @throws ConvexError RATE_LIMITED (with `retryAfterMs`) over `PAIRING_ATTEMPTS_PER_CODE` tries of one code per
 *   10 min or `PAIRING_ATTEMPTS_PER_DEPLOYMENT` tries of the deployment per 10 s; PAIRING_CODE_INVALID when the code
 *   is wrong, used or expired (not told apart); INVALID_ARGUMENT for a bad name or hostname.
 */
export const redeem = action({
  args: { code: v.string(), name: v.optional(v.string()), hostname: v.optional(v.string()) },
  returns: vRedeemedDevice,
  handler: async (ctx, args): Promise<{ deviceId: string; deviceSecret: string }> => {
    if (args.name !== undefined) checkName(args.name, "name");
    if (args.hostname !== undefined) checkName(args.hostname, "hostname");
    const deviceSecret = newDeviceSecret();
    const result: ConsumeResult = await ctx.runMutation(internal.pairing.consume, {
      normalizedCode: args.code.length <= MAX_DEVICE_NAME_CHARS ? normalizePairingCode(args.code) : undefined,
      secretHash: await sha256Hex(deviceSecret),
      name: args.name,
      hostname: args.hostname,
    });
    if (result.ok) return { deviceId: result.deviceId, deviceSecret };
    if (result.code === "RATE_LIMITED") {
      const seconds = Math.ceil((result.retryAfterMs ?? 0) / 1000);
      throw codexError("RATE_LIMITED", `Too many pairing attempts; try again in ${seconds} s.`, { retryAfterMs: result.retryAfterMs ?? 0 });
    }
    throw codexError(
      "PAIRING_CODE_INVALID",
      "This pairing code is wrong, already used or expired. Create a new code in the browser and run `codex-convex pair <code>` within 10 minutes.",
    );
  },
});

/** Deletes a pairing code once it expired (used or not), scheduled by `createCode`. */
export const deleteCode = internalMutation({
  args: { codeId: v.id("pairingCodes") },
  returns: v.null(),
  handler: async (ctx, args) => {
    if ((await ctx.db.get("pairingCodes", args.codeId)) !== null) await ctx.db.delete("pairingCodes", args.codeId);
    return null;
  },
});

/**
 * Deletes the token bucket of one tried code value once it is full again (a
 * missing row is a full bucket), so guessed code values never leave rows
 * behind for good. Scheduled by `consume` `PAIRING_CODE_TTL_MS` after the
 * first attempt with the value; a bucket still refilling (tried again since)
 * is checked again when it will be full, so deleting never grants extra attempts.
 */
export const deleteCodeBucket = internalMutation({
  args: { key: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const bucket = await ctx.db
      .query("rateLimits")
      .withIndex("name", (q) => q.eq("name", CODE_BUCKET).eq("key", args.key))
      .unique();
    if (bucket === null) return null;
    // convex-helpers' token bucket: `value` tokens at `ts`, refilling at rate/period per ms.
    const refillMs = Math.ceil(((CODE_LIMIT.capacity - bucket.value) * CODE_LIMIT.period) / CODE_LIMIT.rate);
    const fullAt = bucket.ts + Math.max(0, refillMs);
    const now = Date.now();
    if (fullAt > now) await ctx.scheduler.runAfter(fullAt - now, internal.pairing.deleteCodeBucket, { key: args.key });
    else await ctx.db.delete("rateLimits", bucket._id);
    return null;
  },
});
