/**
 * What the page's DOM tests share: the sync-protocol stand-in running the
 * example app, the real `ConvexReactClient` signed in as the user (over
 * WebSocket, as the page runs), the user's own HTTP client to read back what
 * the page stored, and a device paired over HTTP as `codex-convex pair` does,
 * whose bridge session pushes codex lines through `ensureSession` and
 * `ingestSafe` as the real bridge would.
 */
import { waitFor } from "@testing-library/react";
import { ConvexHttpClient } from "convex/browser";
import { ConvexProvider, ConvexReactClient } from "convex/react";
import type { ReactNode } from "react";
import { expect, vi } from "vitest";
import WebSocket from "ws";
import { api } from "../../example/convex/_generated/api.js";
import { DEVICE_ONLINE_WINDOW_MS } from "../../src/shared/limits.js";
import { toEvents } from "../support/events.js";
import { createConvexApp } from "../stand-ins/convexApp.js";
import { standInJwt, startConvexSyncStandIn, type ConvexSyncStandIn } from "../stand-ins/convexSyncStandIn.js";

/** How long a DOM test waits for something the page shows (a busy 2-core machine is slow; nothing depends on speed). */
export const SHOWN_WITHIN_MS = 20_000;
/** The test budget of one DOM test. */
export const DOM_TEST_TIMEOUT_MS = 60_000;

/** `findBy*` / `waitFor` options with {@link SHOWN_WITHIN_MS}. */
export const WAIT = { timeout: SHOWN_WITHIN_MS } as const;

export type PairedDevice = {
  deviceId: string;
  deviceSecret: string;
  /** The workspaces it declared, with the ids the component gave them. */
  workspaces: { workspaceId: string; path: string }[];
  /** The bridge's HTTP client (no user auth: the device secret is its credential). */
  http: ConvexHttpClient;
};

export type PairingOptions = {
  /** The device's name (default "laptop"). */
  name?: string;
  /** The workspaces its heartbeat declares (default `/tmp/work`). */
  workspaces?: { path: string; label?: string }[];
  /** The threads its heartbeat says codex runs (default none). */
  runningThreadIds?: string[];
  /** Let it fall silent past the online window once paired (see {@link PageWorld.pairDevice}). */
  offline?: boolean;
};

export type PageWorld = {
  standIn: ConvexSyncStandIn;
  /** The page's client, signed in as {@link PageWorld.userId}. */
  client: ConvexReactClient;
  /** The same user over HTTP, to read back what the page stored. */
  user: ConvexHttpClient;
  userId: string;
  /** Wraps a rendered tree in the page's `ConvexProvider`. */
  wrapper: (props: { children: ReactNode }) => ReactNode;
  /**
   * Pairs a device for the user and sends one heartbeat (workspaces, running
   * threads). With `offline`, the device then falls silent for longer than
   * `DEVICE_ONLINE_WINDOW_MS` (on vitest's fake clock, before the page
   * subscribes), so its presence check marks it offline.
   */
  pairDevice: (options?: PairingOptions) => Promise<PairedDevice>;
  /**
   * Pushes codex lines as `device`'s bridge session `sessionId` (through the
   * host's `ensureSession` then `ingestSafe`), numbered on from what the
   * session acked; expects no gap.
   */
  push: (device: PairedDevice, lines: string[], options?: { sessionId?: string; origin?: "codex" | "bridge" }) => Promise<void>;
  close: () => Promise<void>;
};

/**
 * The lines codex wrote (`"dir": "in"`) in a recorded transcript of
 * test/fixtures/transcripts, imported with `?raw` (the DOM environment has no
 * file URL to read it from).
 */
export function recordedCodexLines(transcript: string): string[] {
  return transcript
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { dir: string; line: string })
    .filter((l) => l.dir === "in")
    .map((l) => l.line);
}

/** Default bridge session id of {@link PageWorld.push}. */
const SESSION = "session-page";

/**
 * Starts a fresh stand-in and the page's client for `userId`.
 * @param options.signedIn - false for a page that has no token (every user function throws UNAUTHENTICATED).
 */
export async function startPageWorld(options: { userId?: string; signedIn?: boolean } = {}): Promise<PageWorld> {
  const userId = options.userId ?? "alice";
  const standIn = await startConvexSyncStandIn(createConvexApp(), { rescanMs: 0 });
  const token = standInJwt(userId);
  const client = new ConvexReactClient(standIn.url, { webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket, logger: false });
  if (options.signedIn !== false) client.setAuth(async () => token);
  const user = new ConvexHttpClient(standIn.url);
  user.setAuth(token);

  const pairDevice: PageWorld["pairDevice"] = async (pairing = {}) => {
    const http = new ConvexHttpClient(standIn.url);
    const { code } = await user.mutation(api.codex.createPairingCode, {});
    const { deviceId, deviceSecret } = await http.action(api.codex.redeemPairingCode, { code, name: pairing.name ?? "laptop" });
    const heartbeat = () =>
      http.mutation(api.codex.deviceHeartbeat, {
        deviceSecret,
        workspaces: pairing.workspaces ?? [{ path: "/tmp/work" }],
        runningThreadIds: pairing.runningThreadIds ?? [],
      });
    if (!pairing.offline) return { deviceId, deviceSecret, workspaces: (await heartbeat()).workspaces, http };
    // The heartbeat schedules the presence check DEVICE_ONLINE_WINDOW_MS later: let that time pass at once.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const beat = await heartbeat();
      await vi.advanceTimersByTimeAsync(DEVICE_ONLINE_WINDOW_MS + 1_000);
      await vi.waitFor(async () => {
        const listed = (await user.query(api.codex.listDevices, {})).find((d) => d.deviceId === deviceId);
        expect(listed?.online).toBe(false);
      });
      return { deviceId, deviceSecret, workspaces: beat.workspaces, http };
    } finally {
      vi.useRealTimers();
    }
  };

  const push: PageWorld["push"] = async (device, lines, pushing = {}) => {
    const sessionId = pushing.sessionId ?? SESSION;
    const { ackedSeq } = await device.http.mutation(api.codex.ensureSession, { deviceSecret: device.deviceSecret, sessionId });
    const events = toEvents(lines, ackedSeq + 1).map((e) => ({ ...e, origin: pushing.origin ?? ("codex" as const) }));
    const result = await device.http.mutation(api.codex.ingestSafe, { deviceSecret: device.deviceSecret, sessionId, events });
    expect(result.gap).toBeNull();
  };

  return {
    standIn,
    client,
    user,
    userId,
    wrapper: ({ children }) => <ConvexProvider client={client}>{children}</ConvexProvider>,
    pairDevice,
    push,
    close: async () => {
      await client.close();
      await standIn.close();
    },
  };
}

/** Waits for the first element of `container` matching `selector` (an item's `article`, a card) and returns it. */
export async function findElement(container: HTMLElement, selector: string): Promise<HTMLElement> {
  return waitFor(() => {
    const element = container.querySelector<HTMLElement>(selector);
    expect(element, `${selector} on the page`).not.toBeNull();
    return element!;
  }, WAIT);
}

/** The thread of recorded codex lines (its `thread/started`). */
export function recordedThreadId(lines: string[]): string {
  const started = lines.find((l) => l.includes('"thread/started"'));
  if (started === undefined) throw new Error("These recorded lines have no thread/started: record a transcript that starts a thread.");
  return (JSON.parse(started) as { params: { thread: { id: string } } }).params.thread.id;
}

/** The device's queued commands of `kind`, oldest first, with their arguments parsed. */
export async function queuedCommands(device: PairedDevice, kind: string): Promise<{ commandId: string; args: Record<string, unknown> }[]> {
  const commands = await device.http.query(api.codex.listDeviceCommands, { deviceSecret: device.deviceSecret });
  return commands.filter((c) => c.kind === kind).map((c) => ({ commandId: c.commandId, args: JSON.parse(c.args) as Record<string, unknown> }));
}

/**
 * Runs a queued command as the device's bridge does: claims it, then
 * completes it with `result`, or fails it with `error`.
 */
export async function runCommand(
  device: PairedDevice,
  commandId: string,
  outcome: { result: { threadId?: string; turnId?: string } } | { error: { code: string; message: string } },
): Promise<void> {
  const { deviceSecret } = device;
  await device.http.mutation(api.codex.claimCommand, { deviceSecret, commandId });
  await device.http.mutation(api.codex.completeCommand, { deviceSecret, commandId, ...outcome });
}
