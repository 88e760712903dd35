/**
 * The whole page (`App`) over the real `ConvexReactClient` and the
 * sync-protocol stand-in: the thread list says how each thread's newest turn
 * ended (failed, interrupted) and which device runs it, and a page opened
 * fresh (a reload) knows the device of a thread whose desktop has since gone
 * offline, from the thread itself.
 */
import { cleanup, render, within } from "@testing-library/react";
import { afterEach, describe, expect, test, vi } from "vitest";
import { App } from "../../example/web/App.js";
import interruptTurn from "../fixtures/transcripts/interrupt-turn.jsonl?raw";
import { notification, threadStarted, turnStarted } from "../support/events.js";
import { DOM_TEST_TIMEOUT_MS, type PageWorld, recordedCodexLines, recordedThreadId, startPageWorld, WAIT } from "./pageWorld.js";

let world: PageWorld | undefined;

afterEach(async () => {
  cleanup();
  vi.useRealTimers();
  await world?.close();
  world = undefined;
});

const renderPage = (w: PageWorld) => render(<App source="test stand-in" />, { wrapper: w.wrapper });

/** Codex's lines for a turn that failed with `message`, the thread going back to idle. */
function failedTurn(threadId: string, turnId: string, message: string): string[] {
  return [
    turnStarted(threadId, turnId),
    notification("turn/completed", {
      threadId,
      turn: { id: turnId, items: [], status: "failed", error: { message, codexErrorInfo: null, additionalDetails: null }, startedAt: 1_763_000_000, completedAt: 1_763_000_002 },
    }),
    notification("thread/status/changed", { threadId, status: { type: "idle" } }),
  ];
}

describe("the thread list", () => {
  test("says a thread's newest turn failed or was interrupted (a recorded real interrupt), and names the device running it", async () => {
    world = await startPageWorld();
    const laptop = await world.pairDevice({ name: "laptop" });
    const interrupted = recordedCodexLines(interruptTurn);
    await world.push(laptop, interrupted);
    await world.push(laptop, [threadStarted("thread-failed", "/home/alice/failing"), ...failedTurn("thread-failed", "turn-1", "Model overloaded")]);
    const view = renderPage(world);
    const list = await view.findByRole("list", { name: "Threads" }, WAIT);

    const failedRow = await within(list).findByRole("button", { name: /\/home\/alice\/failing/ }, WAIT);
    await within(failedRow).findByText("failed", undefined, WAIT);
    expect(failedRow.textContent).toContain("laptop");
    const rows = within(list).getAllByRole("button");
    const interruptedRow = rows.find((row) => row !== failedRow)!;
    await within(interruptedRow).findByText("interrupted", undefined, WAIT);
    expect(interruptedRow.textContent).toContain("laptop");
    expect(recordedThreadId(interrupted)).not.toBe("thread-failed");
  }, DOM_TEST_TIMEOUT_MS);
});

describe("the offline banner after a reload", () => {
  test("a page opened fresh shows the banner for the thread's own device, offline and never seen running it", async () => {
    world = await startPageWorld();
    // The laptop ran the thread, then fell silent: its heartbeats never listed it to this (new) page.
    const laptop = await world.pairDevice({ name: "laptop", offline: true });
    await world.push(laptop, [threadStarted("thread-away", "/home/alice/away")]);
    const view = renderPage(world);
    const thread = await view.findByRole("region", { name: "Thread" }, WAIT);
    const banner = await within(thread).findByText(/laptop is offline/, undefined, WAIT);
    expect(banner.getAttribute("role")).toBe("status");
  }, DOM_TEST_TIMEOUT_MS);
});
