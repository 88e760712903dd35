/**
 * A reloaded page resumes each live stream from this device's checkpoint: the
 * page's thread view (happy-dom, React Testing Library) through the real
 * `ConvexReactClient` and the sync-protocol stand-in running the example app,
 * codex notifications pushed by the bridge's production HTTP transport. A
 * reload is an unmount, then a NEW client mounting the same page with the
 * same `localStorage` (and so the same reader device id).
 */
import { cleanup, render, waitFor } from "@testing-library/react";
import { ConvexProvider, ConvexReactClient } from "convex/react";
import { getFunctionName } from "convex/server";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { api } from "../../example/convex/_generated/api.js";
import { streamCheckpoints } from "../../example/web/api.js";
import { ThreadView } from "../../example/web/components/ThreadView.js";
import { ConvexHttpTransport } from "../../src/bridge/push/convexHttpTransport.js";
import { READER_DEVICE_ID_KEY, type StreamCheckpointOptions, type StreamCursor } from "../../src/react/index.js";
import { STREAM_CACHE_KEY_PREFIX } from "../../src/react/streamCache.js";
import { agentDelta, agentItem, threadStarted, toEvents, turnCompleted, turnStarted } from "../support/events.js";
import { createConvexApp } from "../stand-ins/convexApp.js";
import { standInJwt, startConvexSyncStandIn, type ConvexSyncStandIn } from "../stand-ins/convexSyncStandIn.js";

const USER = "alice";
const THREAD = "thread-resume";
const SESSION = "session-resume";
const WAIT = { timeout: 20_000, interval: 100 };

let standIn: ConvexSyncStandIn;
let transport: ConvexHttpTransport;
let seq = 1;
const clients: ConvexReactClient[] = [];

beforeEach(async () => {
  window.localStorage.clear();
  standIn = await startConvexSyncStandIn(createConvexApp(), { rescanMs: 0 });
  transport = new ConvexHttpTransport({ url: standIn.url, authToken: USER });
  seq = 1;
  await transport.ensureSession({ sessionId: SESSION });
  await push([threadStarted(THREAD), turnStarted(THREAD, "turn-1"), agentItem("item/started", THREAD, "turn-1", "msg-1", "")]);
});

afterEach(async () => {
  cleanup();
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await standIn.close();
});

/** Pushes codex lines as the bridge does, in order, numbering them on. */
async function push(lines: string[]): Promise<void> {
  const result = await transport.ingestSafe({ sessionId: SESSION, events: toEvents(lines, seq) });
  seq += lines.length;
  expect(result.gap).toBeNull();
}

const delta = (text: string) => agentDelta(THREAD, "turn-1", "msg-1", text);

/**
 * Mounts the page's thread view on a new client (a page load), recording the
 * stream cursors of every deltas query the hooks subscribe to, and every text
 * the agent message shows.
 */
function openPage(checkpoints: StreamCheckpointOptions) {
  const client = new ConvexReactClient(standIn.url, { webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket, logger: false });
  client.setAuth(async () => standInJwt(USER));
  clients.push(client);
  const deltaQueries: StreamCursor[][] = [];
  const watchQuery = client.watchQuery.bind(client);
  client.watchQuery = ((query, ...rest) => {
    const args = rest[0] as { streamArgs?: { kind: string; cursors?: StreamCursor[] } } | undefined;
    if (getFunctionName(query) === getFunctionName(api.codex.listMessages) && args?.streamArgs?.kind === "deltas") {
      deltaQueries.push(args.streamArgs.cursors ?? []);
    }
    return watchQuery(query, ...rest);
  }) as typeof client.watchQuery;
  const view = render(
    <ConvexProvider client={client}>
      <ThreadView threadId={THREAD} device={undefined} checkpoints={checkpoints} />
    </ConvexProvider>,
  );
  const text = () => view.container.querySelector("article[data-kind=agentMessage] .agent-text")?.textContent ?? "";
  const shown: string[] = [];
  const observer = new MutationObserver(() => shown.push(text()));
  observer.observe(view.container, { subtree: true, childList: true, characterData: true });
  const close = async () => {
    observer.disconnect();
    view.unmount();
    await client.close();
  };
  return { client, view, text, shown, deltaQueries, close };
}

/** The server's checkpoints of a device in the thread. */
async function serverCheckpoints(client: ConvexReactClient, deviceId: string) {
  const rows = await client.query(api.codex.listCheckpoints, { deviceId, threadId: THREAD });
  return rows.map(({ streamId, cursor }) => ({ streamId, cursor }));
}

/** Every text shown was a prefix of the final one (trailing space aside): nothing doubled, nothing jumped. */
function expectOnlyPrefixes(shown: string[], final: string) {
  for (const s of shown) expect(final.startsWith(s.trimEnd())).toBe(true);
}

/** First page: reads "Hello streaming" (2 deltas), saves its checkpoint; returns the stream id, device id and cursor saved. */
async function readAndSave() {
  await push([delta("Hello "), delta("streaming ")]);
  const page = openPage(streamCheckpoints);
  await waitFor(() => expect(page.text()).toBe("Hello streaming"), WAIT);
  const deviceId = window.localStorage.getItem(READER_DEVICE_ID_KEY)!;
  expect(deviceId).toMatch(/^[0-9a-f-]{36}$/);
  let saved: { streamId: string; cursor: number }[] = [];
  await waitFor(async () => {
    saved = await serverCheckpoints(page.client, deviceId);
    expect(saved).toHaveLength(1);
    expect(saved[0]!.cursor).toBe(2);
  }, WAIT);
  expect(page.deltaQueries[0]).toEqual([{ streamId: saved[0]!.streamId, cursor: 0 }]);
  await page.close();
  return { streamId: saved[0]!.streamId, deviceId };
}

const FINAL = "Hello streaming world, resumed.";

/** After a reload: more deltas arrive, the item completes (its durable message), the text is whole and single. */
async function finish(page: ReturnType<typeof openPage>) {
  await push([delta(", resumed.")]);
  await waitFor(() => expect(page.text()).toBe(FINAL), WAIT);
  await push([agentItem("item/completed", THREAD, "turn-1", "msg-1", FINAL), turnCompleted(THREAD, "turn-1")]);
  await waitFor(() => expect(page.view.container.querySelector("article[data-kind=agentMessage]")?.getAttribute("data-status")).toBe("completed"), WAIT);
  expect(page.text()).toBe(FINAL);
  expect(page.view.container.querySelectorAll("article[data-kind=agentMessage]")).toHaveLength(1);
  expectOnlyPrefixes(page.shown, FINAL);
}

describe("a reloaded page resumes each live stream from this device's checkpoint", () => {
  test("the page saves its cursor; after a reload the first deltas query asks from it, and the text ends whole, once, also once compacted into its message", async () => {
    const { streamId, deviceId } = await readAndSave();
    await push([delta("world")]); // while the page is away

    const page = openPage(streamCheckpoints);
    await waitFor(() => expect(page.text()).toBe("Hello streaming world"), WAIT);
    expect(page.deltaQueries[0]).toEqual([{ streamId, cursor: 2 }]);
    expect(page.deltaQueries.flat().every((c) => c.cursor >= 2)).toBe(true);
    await finish(page);
    // The finished stream's entry left the cache.
    await waitFor(() => expect(window.localStorage.getItem(STREAM_CACHE_KEY_PREFIX + deviceId)).toBeNull(), WAIT);
  }, 90_000);

  test("a save that never reached the server: the reload resumes from the cursor the server holds, an earlier one the cache still knows", async () => {
    const { streamId, deviceId } = await readAndSave();
    await push([delta("world")]);
    const second = openPage(streamCheckpoints);
    await waitFor(() => expect(second.text()).toBe("Hello streaming world"), WAIT);
    await waitFor(async () => expect(await serverCheckpoints(second.client, deviceId)).toEqual([{ streamId, cursor: 3 }]), WAIT);
    await second.close();
    // As if the save of cursor 3 had been lost with the closing tab: the server still says 2.
    const fix = new ConvexReactClient(standIn.url, { webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket, logger: false });
    fix.setAuth(async () => standInJwt(USER));
    clients.push(fix);
    await fix.mutation(api.codex.saveCheckpoints, { deviceId, threadId: THREAD, cursors: [{ streamId, cursor: 2 }] });

    const page = openPage(streamCheckpoints);
    await waitFor(() => expect(page.text()).toBe("Hello streaming world"), WAIT);
    expect(page.deltaQueries[0]).toEqual([{ streamId, cursor: 2 }]);
    await finish(page);
  }, 90_000);

  test("another device id (same browser storage, no checkpoints) starts at 0 and also sees the whole text", async () => {
    const { streamId } = await readAndSave();
    await push([delta("world")]);

    const page = openPage({ ...streamCheckpoints, deviceId: "second-device" });
    await waitFor(() => expect(page.text()).toBe("Hello streaming world"), WAIT);
    expect(page.deltaQueries[0]).toEqual([{ streamId, cursor: 0 }]);
    await finish(page);
    expect(await serverCheckpoints(page.client, "second-device")).toEqual([]);
  }, 90_000);

  test("a cached entry that does not match the server checkpoint, or does not parse, is ignored: start at 0, text whole", async () => {
    const { streamId, deviceId } = await readAndSave();
    await push([delta("world")]);
    const key = STREAM_CACHE_KEY_PREFIX + deviceId;
    const cached = JSON.parse(window.localStorage.getItem(key)!) as { streams: { text: string; marks: { cursor: number; length: number }[] }[] };
    expect(cached.streams[0]).toMatchObject({ text: "Hello streaming ", marks: [{ cursor: 2, length: 16 }] });

    // The attacker's text claims a cursor the server never saved: it must not be shown.
    cached.streams[0]!.text = "EVIL ";
    cached.streams[0]!.marks = [{ cursor: 1, length: 5 }];
    window.localStorage.setItem(key, JSON.stringify(cached));
    const tampered = openPage(streamCheckpoints);
    await waitFor(() => expect(tampered.text()).toBe("Hello streaming world"), WAIT);
    expect(tampered.deltaQueries[0]).toEqual([{ streamId, cursor: 0 }]);
    expect(tampered.shown.some((s) => s.includes("EVIL"))).toBe(false);
    await tampered.close();

    window.localStorage.setItem(key, "{ not json");
    const malformed = openPage(streamCheckpoints);
    await waitFor(() => expect(malformed.text()).toBe("Hello streaming world"), WAIT);
    // The server still holds cursor 2 (or later, saved by the tampered page); the garbage cache cannot back it.
    expect(malformed.deltaQueries[0]).toEqual([{ streamId, cursor: 0 }]);
    await finish(malformed);
  }, 120_000);
});
