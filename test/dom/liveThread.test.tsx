/**
 * The hooks and the page's components rendered in a DOM (happy-dom, React
 * Testing Library) by the real `ConvexReactClient`, over the WebSocket sync
 * protocol, against the sync-protocol stand-in running the example app; the
 * bridge's production HTTP transport pushes codex notifications in between.
 */
import { act, cleanup, render, renderHook, waitFor } from "@testing-library/react";
import { ConvexProvider, ConvexReactClient } from "convex/react";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { api } from "../../example/convex/_generated/api.js";
import { ThreadView } from "../../example/web/components/ThreadView.js";
import { ConvexHttpTransport } from "../../src/bridge/push/convexHttpTransport.js";
import { useMessages } from "../../src/react/index.js";
import { agentDelta, agentItem, notification, threadStarted, toEvents, turnCompleted, turnStarted } from "../support/events.js";
import { createConvexApp } from "../stand-ins/convexApp.js";
import { standInJwt, startConvexSyncStandIn, type ConvexSyncStandIn } from "../stand-ins/convexSyncStandIn.js";

const USER = "alice";
const THREAD = "thread-dom";
const SESSION = "session-dom";

let standIn: ConvexSyncStandIn;
let client: ConvexReactClient;
let transport: ConvexHttpTransport;
let seq = 1;

beforeEach(async () => {
  standIn = await startConvexSyncStandIn(createConvexApp(), { rescanMs: 0 });
  client = new ConvexReactClient(standIn.url, { webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket, logger: false });
  client.setAuth(async () => standInJwt(USER));
  transport = new ConvexHttpTransport({ url: standIn.url, authToken: USER });
  seq = 1;
  await transport.ensureSession({ sessionId: SESSION });
  await push([threadStarted(THREAD)]);
});

afterEach(async () => {
  cleanup();
  await client.close();
  await standIn.close();
});

/** Pushes codex lines as the bridge does, in order, numbering them on. */
async function push(lines: string[]): Promise<void> {
  const result = await transport.ingestSafe({ sessionId: SESSION, events: toEvents(lines, seq) });
  seq += lines.length;
  expect(result.gap).toBeNull();
}

function wrapper({ children }: { children: ReactNode }) {
  return <ConvexProvider client={client}>{children}</ConvexProvider>;
}

function userItem(method: "item/started" | "item/completed", turnId: string, itemId: string, text: string): string {
  return notification(method, { threadId: THREAD, turnId, item: { type: "userMessage", id: itemId, content: [{ type: "text", text, text_elements: [] }] } });
}

describe("the page's thread view through ConvexReactClient", () => {
  test("live deltas show in order as they land, and the compacted message shows the same text once: never shorter, never doubled", async () => {
    const seen: string[] = [];
    const view = render(<ThreadView threadId={THREAD} device={undefined} />, { wrapper });
    const text = () => view.container.querySelector("article[data-kind=agentMessage] .agent-text")?.textContent ?? "";
    const observer = new MutationObserver(() => seen.push(text()));
    observer.observe(view.container, { subtree: true, childList: true, characterData: true });

    await push([turnStarted(THREAD, "turn-1"), agentItem("item/started", THREAD, "turn-1", "msg-1", ""), agentDelta(THREAD, "turn-1", "msg-1", "Hello ")]);
    await waitFor(() => expect(text()).toBe("Hello"), { timeout: 20_000 });
    await push([agentDelta(THREAD, "turn-1", "msg-1", "streaming "), agentDelta(THREAD, "turn-1", "msg-1", "world.")]);
    await waitFor(() => expect(text()).toBe("Hello streaming world."), { timeout: 20_000 });
    await push([agentItem("item/completed", THREAD, "turn-1", "msg-1", "Hello streaming world."), turnCompleted(THREAD, "turn-1")]);
    await waitFor(() => expect(view.container.querySelector('article[data-kind=agentMessage]')?.getAttribute("data-status")).toBe("completed"), { timeout: 20_000 });
    await waitFor(() => expect(view.container.querySelector('.turn[data-turn-status="completed"]')).not.toBeNull(), { timeout: 20_000 });
    observer.disconnect();

    expect(text()).toBe("Hello streaming world.");
    expect(view.container.querySelectorAll("article[data-kind=agentMessage]")).toHaveLength(1);
    const shown = seen.filter((s) => s !== "");
    expect(shown.length).toBeGreaterThan(1);
    // Every text ever shown is a prefix of the final one, and each is at least as long as the one before.
    for (const [i, s] of shown.entries()) {
      expect("Hello streaming world.".startsWith(s.trimEnd())).toBe(true);
      if (i > 0) expect(s.length).toBeGreaterThanOrEqual(shown[i - 1]!.length);
    }
  }, 60_000);

  test("useMessages: loadMore prepends older messages, keeping one ascending order with no duplicates", async () => {
    const lines: string[] = [];
    for (let turn = 1; turn <= 3; turn += 1) {
      const turnId = `turn-${turn}`;
      lines.push(turnStarted(THREAD, turnId), userItem("item/started", turnId, `u-${turn}`, `question ${turn}`), userItem("item/completed", turnId, `u-${turn}`, `question ${turn}`));
      lines.push(agentItem("item/started", THREAD, turnId, `a-${turn}`, ""), agentItem("item/completed", THREAD, turnId, `a-${turn}`, `answer ${turn}`), turnCompleted(THREAD, turnId));
    }
    await push(lines);
    const { result } = renderHook(() => useMessages(api.codex.listMessages, { threadId: THREAD }, { initialNumItems: 2, stream: true }), { wrapper });
    await waitFor(() => expect(result.current.results.map((m) => m.text)).toEqual(["question 3", "answer 3"]), { timeout: 20_000 });
    act(() => result.current.loadMore(2));
    await waitFor(() => expect(result.current.results).toHaveLength(4), { timeout: 20_000 });
    act(() => result.current.loadMore(10));
    await waitFor(() => expect(result.current.status).toBe("Exhausted"), { timeout: 20_000 });
    expect(result.current.results.map((m) => m.text)).toEqual(["question 1", "answer 1", "question 2", "answer 2", "question 3", "answer 3"]);

    // A live turn after the pages joins at the end, in order.
    await push([turnStarted(THREAD, "turn-4"), agentItem("item/started", THREAD, "turn-4", "a-4", ""), agentDelta(THREAD, "turn-4", "a-4", "live ")]);
    await waitFor(() => expect(result.current.results.at(-1)).toMatchObject({ itemId: "a-4", text: "live ", streaming: true }), { timeout: 20_000 });
    expect(new Set(result.current.results.map((m) => m.itemId)).size).toBe(result.current.results.length);
  }, 60_000);
});
