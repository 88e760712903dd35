/**
 * Helpers for tests of the return path through the example host app: error
 * codes, pairing a device as a bridge would, and pushing lines as that
 * device's bridge session.
 */
import { expect } from "vitest";
import { ConvexError } from "convex/values";
import { api } from "../../example/convex/_generated/api.js";
import type { TestConvexApp } from "../convexTest.js";
import { ALICE } from "./component.js";
import { toEvents } from "./events.js";

/** Expects `call` to throw a ConvexError whose `data.code` is `code`; returns the data. */
export async function expectCode(call: Promise<unknown>, code: string): Promise<Record<string, unknown>> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConvexError);
  const raw: unknown = (error as ConvexError<string>).data;
  const data = (typeof raw === "string" ? JSON.parse(raw) : raw) as Record<string, unknown>;
  expect(data).toMatchObject({ code, message: expect.any(String) });
  return data;
}

/** Workspaces a test device declares. */
export const WORKSPACES = [{ path: "/home/alice/repo", label: "repo" }, { path: "/home/alice/other" }];

/**
 * Pairs a device for `identity` (create a code as the browser, redeem it as
 * the bridge) and sends one heartbeat declaring {@link WORKSPACES}.
 */
export async function pairDevice(t: TestConvexApp, identity = ALICE, name = "laptop") {
  const { code } = await t.withIdentity(identity).mutation(api.codex.createPairingCode, {});
  const { deviceId, deviceSecret } = await t.action(api.codex.redeemPairingCode, { code, name, hostname: "host-1" });
  const beat = await t.mutation(api.codex.deviceHeartbeat, {
    deviceSecret,
    codexVersion: "0.169.0",
    workspaces: WORKSPACES,
    runningThreadIds: [],
  });
  return { deviceId, deviceSecret, workspaces: beat.workspaces };
}

/** Pushes codex (or bridge) lines as bridge session `sessionId` of the device with `deviceSecret`. */
export async function pushAsDevice(
  t: TestConvexApp,
  deviceSecret: string,
  lines: string[],
  options: { sessionId?: string; origin?: "codex" | "bridge" } = {},
) {
  const sessionId = options.sessionId ?? "s-dev";
  const { ackedSeq } = await t.mutation(api.codex.ensureSession, { deviceSecret, sessionId });
  const events = toEvents(lines, ackedSeq + 1).map((e) => ({ ...e, origin: options.origin ?? ("codex" as const) }));
  const result = await t.mutation(api.codex.ingestSafe, { deviceSecret, sessionId, events });
  expect(result.gap).toBeNull();
  return result;
}
