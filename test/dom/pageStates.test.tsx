/**
 * The whole page (`App`) rendered in happy-dom by the real
 * `ConvexReactClient` against the sync-protocol stand-in: what it says while
 * loading, when there is nothing yet, when the deployment refuses it, and
 * when the desktop that runs the open thread goes offline or is revoked.
 */
import { cleanup, fireEvent, render, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "../../example/convex/_generated/api.js";
import { App } from "../../example/web/App.js";
import { DEVICE_ONLINE_WINDOW_MS } from "../../src/shared/limits.js";
import { agentMessageLines, threadStarted, turnCompleted, turnStarted } from "../support/events.js";
import { DOM_TEST_TIMEOUT_MS, type PageWorld, startPageWorld, WAIT } from "./pageWorld.js";

const THREAD = "thread-states";

let world: PageWorld | undefined;

afterEach(async () => {
  cleanup();
  vi.useRealTimers();
  await world?.close();
  world = undefined;
});

const renderPage = (w: PageWorld) => render(<App source="test stand-in" />, { wrapper: w.wrapper });

describe("the page's loading, empty and error states", () => {
  test("loading, then no threads; a thread with no messages says so, then shows its first one", async () => {
    world = await startPageWorld();
    const view = renderPage(world);
    // The first render has no answer yet.
    expect(view.getByRole("status").textContent).toBe("Loading threads…");
    await view.findByText("No threads yet. Start one, or run codex through the bridge.", undefined, WAIT);
    expect(view.queryByText("Loading threads…")).toBeNull();
    // Said once, in the list, not again beside it.
    expect(view.getAllByText(/No threads yet/i)).toHaveLength(1);

    const laptop = await world.pairDevice({ runningThreadIds: [THREAD] });
    await world.push(laptop, [threadStarted(THREAD, "/home/alice/repo")]);
    const list = await view.findByRole("list", { name: "Threads" }, WAIT);
    fireEvent.click(within(list).getByRole("button", { name: /\/home\/alice\/repo/ }));
    const thread = await view.findByRole("region", { name: "Thread" }, WAIT);
    await within(thread).findByText("No messages yet.", undefined, WAIT);

    await world.push(laptop, [turnStarted(THREAD, "turn-1"), ...agentMessageLines(THREAD, "turn-1", "msg-1", ["First answer."]), turnCompleted(THREAD, "turn-1")]);
    await within(thread).findByText("First answer.", undefined, WAIT);
    expect(within(thread).queryByText("No messages yet.")).toBeNull();
  }, DOM_TEST_TIMEOUT_MS);

  test("a page the deployment refuses (signed out) says why instead of going blank", async () => {
    world = await startPageWorld({ signedIn: false });
    const view = renderPage(world);
    const alert = await view.findByRole("alert", undefined, WAIT);
    expect(alert.textContent).toContain("Sign in first");
    expect(within(alert).getByRole("button", { name: "Try again" })).toBeDefined();
  }, DOM_TEST_TIMEOUT_MS);
});

/** A fresh page whose open thread runs on an online "laptop", showing no banner. */
async function openRunningThread() {
  world = await startPageWorld();
  const laptop = await world.pairDevice({ name: "laptop", runningThreadIds: [THREAD] });
  await world.push(laptop, [threadStarted(THREAD)]);
  const view = renderPage(world);
  const thread = await view.findByRole("region", { name: "Thread" }, WAIT);
  await within(thread).findByText("No messages yet.", undefined, WAIT);
  expect(within(thread).queryByText(/offline|revoked/)).toBeNull();
  return { page: world, laptop, thread };
}

describe("the device-offline banner in the open thread", () => {
  test("the desktop running the open thread is revoked: the thread says so", async () => {
    const { page, laptop, thread } = await openRunningThread();

    await page.user.mutation(api.codex.revokeDevice, { deviceId: laptop.deviceId });
    const banner = await within(thread).findByText(/laptop was revoked/, undefined, WAIT);
    expect(banner.getAttribute("role")).toBe("status");
  }, DOM_TEST_TIMEOUT_MS);

  test("the desktop running the open thread falls silent: the thread says it is offline", async () => {
    // A fake clock that runs on by itself, so the presence check can be brought forward.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"], shouldAdvanceTime: true });
    const { page, thread } = await openRunningThread();

    // No heartbeat for longer than the online window: the presence check marks the device offline.
    await vi.advanceTimersByTimeAsync(DEVICE_ONLINE_WINDOW_MS + 1_000);
    await page.standIn.recordWrite();
    await waitFor(async () => expect((await page.user.query(api.codex.listDevices, {}))[0]?.online).toBe(false), WAIT);
    const banner = await within(thread).findByText(/laptop is offline/, undefined, WAIT);
    expect(banner.getAttribute("role")).toBe("status");
  }, DOM_TEST_TIMEOUT_MS);
});
