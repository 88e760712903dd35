/**
 * Pairing and device authentication: a code redeems once for a secret that
 * is stored only as a hash; guessing codes hits RATE_LIMITED; a revoked or
 * unknown secret is refused by every bridge-facing function; the bridge's
 * session belongs to the device's owner.
 */
import { describe, expect, onTestFinished, test, vi } from "vitest";
import { api } from "../example/convex/_generated/api.js";
import {
  MAX_LIVE_PAIRING_CODES_PER_USER,
  PAIRING_ATTEMPTS_PER_CODE,
  PAIRING_ATTEMPTS_PER_DEPLOYMENT,
  PAIRING_CODE_TTL_MS,
  PAIRING_RATE_PERIOD_MS,
} from "../src/shared/limits.js";
import { initConvexTest, runInCodex } from "../test/convexTest.js";
import { readAckedSeq } from "./lib/sessionAck.js";
import { ALICE, BOB } from "../test/support/component.js";
import { expectCode, pairDevice, pushAsDevice } from "../test/support/devices.js";
import { threadStarted, toEvents } from "../test/support/events.js";

/** Generous: convex-test runs every call in-process, and the machine may be loaded. */
const TEST_TIMEOUT_MS = 60_000;

describe("pairing", { timeout: TEST_TIMEOUT_MS }, () => {
  test("a code redeems once for a 256-bit secret stored only as its SHA-256", async () => {
    const t = initConvexTest();
    const alice = t.withIdentity(ALICE);
    const { code, expiresAt } = await alice.mutation(api.codex.createPairingCode, { name: "work laptop" });
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(expiresAt - Date.now()).toBeGreaterThan(PAIRING_CODE_TTL_MS - 5000);
    // Typed in lower case, without the dash: still the same code.
    const { deviceId, deviceSecret } = await t.action(api.codex.redeemPairingCode, { code: code.replace("-", "").toLowerCase(), hostname: "h" });
    expect(deviceSecret).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 bytes, base64url
    await expectCode(t.action(api.codex.redeemPairingCode, { code }), "PAIRING_CODE_INVALID");

    const stored = await runInCodex(t, async (ctx) => ({
      devices: await ctx.db.query("devices").collect(),
      codes: await ctx.db.query("pairingCodes").collect(),
    }));
    expect(stored.devices).toHaveLength(1);
    const device = stored.devices[0]!;
    const expectedHash = Array.from(
      new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(deviceSecret))),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    expect(device.secretHash).toBe(expectedHash);
    expect(JSON.stringify(stored)).not.toContain(deviceSecret);
    expect(JSON.stringify(stored)).not.toContain(code.replace("-", ""));
    expect(device).toMatchObject({ userId: ALICE.tokenIdentifier, name: "work laptop", hostname: "h" });

    // No browser-facing function returns the secret or its hash.
    const listed = await alice.query(api.codex.listDevices, {});
    expect(listed).toEqual([expect.objectContaining({ deviceId, name: "work laptop", online: false })]);
    expect(JSON.stringify(listed)).not.toContain(deviceSecret);
    expect(JSON.stringify(listed)).not.toContain(device.secretHash);
  });

  test("an expired code is refused like a wrong one", async () => {
    const t = initConvexTest();
    const { code } = await t.withIdentity(ALICE).mutation(api.codex.createPairingCode, {});
    await runInCodex(t, async (ctx) => {
      for (const c of await ctx.db.query("pairingCodes").collect()) await ctx.db.patch("pairingCodes", c._id, { expiresAt: Date.now() - 1 });
    });
    await expectCode(t.action(api.codex.redeemPairingCode, { code }), "PAIRING_CODE_INVALID");
    await expectCode(t.mutation(api.codex.createPairingCode, {}), "UNAUTHENTICATED");
  });

  test("guessing codes hits RATE_LIMITED within the limit, and failed attempts count", async () => {
    vi.useFakeTimers(); // the buckets refill with time: hold the clock so the counts are exact
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const t = initConvexTest();
    const { code } = await t.withIdentity(ALICE).mutation(api.codex.createPairingCode, {});
    // One code value tried again and again: stopped after PAIRING_ATTEMPTS_PER_CODE.
    for (let i = 0; i < PAIRING_ATTEMPTS_PER_CODE; i++) {
      await expectCode(t.action(api.codex.redeemPairingCode, { code: "ZZZZ-ZZZZ" }), "PAIRING_CODE_INVALID");
    }
    const perCode = await expectCode(t.action(api.codex.redeemPairingCode, { code: "ZZZZ-ZZZZ" }), "RATE_LIMITED");
    expect(perCode.retryAfterMs).toBeGreaterThan(0);
    // Many different guesses: the deployment's bucket runs dry, so even the right code must wait.
    let limited = 0;
    for (let i = 0; i < PAIRING_ATTEMPTS_PER_DEPLOYMENT + 5; i++) {
      const guess = `AAAA-${String(i).padStart(4, "0")}`;
      const error = await t.action(api.codex.redeemPairingCode, { code: guess }).catch((e: unknown) => e);
      if (JSON.stringify((error as { data?: unknown }).data ?? "").includes("RATE_LIMITED")) limited += 1;
    }
    // The repeated code took PAIRING_ATTEMPTS_PER_CODE of the deployment's tokens (its refusal took none),
    // so of PAIRING_ATTEMPTS_PER_DEPLOYMENT + 5 guesses, 5 + PAIRING_ATTEMPTS_PER_CODE were refused.
    expect(limited).toBe(5 + PAIRING_ATTEMPTS_PER_CODE);
    await expectCode(t.action(api.codex.redeemPairingCode, { code }), "RATE_LIMITED");
    expect(await runInCodex(t, (ctx) => ctx.db.query("devices").collect())).toEqual([]);
    // Once the bucket refilled, the right code works.
    vi.advanceTimersByTime(PAIRING_RATE_PERIOD_MS);
    expect(await t.action(api.codex.redeemPairingCode, { code })).toMatchObject({ deviceId: expect.any(String) });
  });

  test("guessed code values leave no rate-limit rows behind once their buckets are full again", async () => {
    vi.useFakeTimers();
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const t = initConvexTest();
    const codeBuckets = () =>
      runInCodex(t, async (ctx) => (await ctx.db.query("rateLimits").collect()).filter((r) => r.name === "pairingRedeemCode").map((r) => r.key));
    for (let i = 0; i < 5; i++) await expectCode(t.action(api.codex.redeemPairingCode, { code: `BBBB-${i}${i}${i}${i}` }), "PAIRING_CODE_INVALID");
    expect(await codeBuckets()).toHaveLength(5);
    // One value is tried again just before its first attempt's row would go: its bucket is not full yet then.
    vi.advanceTimersByTime(PAIRING_CODE_TTL_MS - 1000);
    await expectCode(t.action(api.codex.redeemPairingCode, { code: "BBBB-0000" }), "PAIRING_CODE_INVALID");
    vi.advanceTimersByTime(2000);
    await t.finishInProgressScheduledFunctions();
    expect(await codeBuckets()).toHaveLength(1); // four full buckets deleted; the refilling one kept
    // The kept bucket still counts its attempts: deleting early would have granted extra tries.
    vi.advanceTimersByTime(PAIRING_CODE_TTL_MS);
    await t.finishAllScheduledFunctions(() => vi.runOnlyPendingTimers());
    expect(await codeBuckets()).toEqual([]);
  });

  test("a user holds at most MAX_LIVE_PAIRING_CODES_PER_USER unused codes", async () => {
    const t = initConvexTest();
    const alice = t.withIdentity(ALICE);
    const codes = [];
    for (let i = 0; i < MAX_LIVE_PAIRING_CODES_PER_USER; i++) codes.push((await alice.mutation(api.codex.createPairingCode, {})).code);
    expect(new Set(codes).size).toBe(codes.length);
    const data = await expectCode(alice.mutation(api.codex.createPairingCode, {}), "RATE_LIMITED");
    expect(data.retryAfterMs).toBeGreaterThan(0);
    // Using one frees a slot; Bob has his own.
    await t.action(api.codex.redeemPairingCode, { code: codes[0]! });
    await alice.mutation(api.codex.createPairingCode, {});
    await t.withIdentity(BOB).mutation(api.codex.createPairingCode, {});
  });
});

describe("device authentication", { timeout: TEST_TIMEOUT_MS }, () => {
  test("the bridge's session and threads belong to the device's owner, bound to the device", async () => {
    const t = initConvexTest();
    const { deviceId, deviceSecret } = await pairDevice(t);
    await pushAsDevice(t, deviceSecret, [threadStarted("th-1")]);
    const alice = t.withIdentity(ALICE);
    expect(await alice.query(api.codex.getThread, { threadId: "th-1" })).toMatchObject({ sessionId: "s-dev" });
    expect(await t.withIdentity(BOB).query(api.codex.getThread, { threadId: "th-1" })).toBeNull();
    const session = await runInCodex(t, (ctx) => ctx.db.query("sessions").first());
    expect(session?.deviceId).toBe(deviceId);
    // Bob's device cannot take over Alice's session: the same session id is Bob's own session.
    const bobs = await pairDevice(t, BOB, "bob-box");
    expect(await t.mutation(api.codex.ensureSession, { deviceSecret: bobs.deviceSecret, sessionId: "s-dev" })).toMatchObject({
      ackedSeq: 0,
      created: true,
    });
    await t.mutation(api.codex.ingestSafe, { deviceSecret: bobs.deviceSecret, sessionId: "s-dev", events: toEvents([threadStarted("th-1")], 1) });
    const sessions = await runInCodex(t, async (ctx) =>
      Promise.all((await ctx.db.query("sessions").collect()).map(async (s) => ({ ...s, ackedSeq: await readAckedSeq(ctx, s) }))),
    );
    expect(sessions.map((s) => [s.userId === session?.userId, s.deviceId === deviceId, s.ackedSeq])).toEqual(
      expect.arrayContaining([[true, true, 1], [false, false, 1]]),
    );
    expect(await alice.query(api.codex.getThread, { threadId: "th-1" })).toMatchObject({ sessionId: "s-dev" });
  });

  test("a revoked device gets DEVICE_REVOKED on every bridge-facing call; an unknown secret DEVICE_UNKNOWN", async () => {
    const t = initConvexTest();
    const { deviceId, deviceSecret } = await pairDevice(t);
    await pushAsDevice(t, deviceSecret, [threadStarted("th-1")]);
    await expectCode(t.withIdentity(BOB).mutation(api.codex.revokeDevice, { deviceId }), "DEVICE_NOT_FOUND");
    await t.withIdentity(ALICE).mutation(api.codex.revokeDevice, { deviceId });
    const calls: Promise<unknown>[] = [
      t.mutation(api.codex.ensureSession, { deviceSecret, sessionId: "s-dev" }),
      t.mutation(api.codex.ingestSafe, { deviceSecret, sessionId: "s-dev", events: toEvents([threadStarted("th-2")], 2) }),
      t.mutation(api.codex.deviceHeartbeat, { deviceSecret, workspaces: [], runningThreadIds: [] }),
      t.query(api.codex.listDeviceCommands, { deviceSecret }),
      t.mutation(api.codex.claimCommand, { deviceSecret, commandId: "x" }),
      t.mutation(api.codex.completeCommand, { deviceSecret, commandId: "x" }),
    ];
    for (const call of calls) await expectCode(call, "DEVICE_REVOKED");
    const wrong = "A".repeat(43);
    await expectCode(t.mutation(api.codex.ensureSession, { deviceSecret: wrong, sessionId: "s-2" }), "DEVICE_UNKNOWN");
    await expectCode(t.query(api.codex.listDeviceCommands, { deviceSecret: "" }), "DEVICE_UNKNOWN");
    expect((await t.withIdentity(ALICE).query(api.codex.listDevices, {}))[0]).toMatchObject({ revokedAt: expect.any(Number), online: false });
  });
});
