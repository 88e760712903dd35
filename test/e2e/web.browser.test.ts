/**
 * The example page in Debian's Chromium, against the sync-protocol stand-in,
 * while the real `codex app-server` runs turns with the scripted model through
 * `codex-convex bridge --serve` on a paired device (test/support/webWorld.ts).
 * A user starts a thread from the page, approves a command inline, sees its
 * output and the answer stream in, sends a follow-up, and stops a streaming
 * turn. Screenshots at desktop and phone width land in test-artifacts/web/.
 * Every wait is on what the page shows, with generous timeouts; nothing
 * depends on speed.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { promptResponder } from "../chaos/scenario.js";
import { launchChromium } from "../support/browser.js";
import { REPO_ROOT } from "../support/cli.js";
import { startWebWorld, type WebWorld } from "../support/webWorld.js";

/** Where the screenshots go (gitignored; CI keeps it as an artifact). */
export const ARTIFACTS_DIR = path.join(REPO_ROOT, "test-artifacts", "web");
/** Longest wait for one thing to show on the page, in ms (a busy 2-core CI machine is slow). */
const SHOW_TIMEOUT_MS = 90_000;

const ANSWER = "The outbox keeps **every line** first, then Convex gets it in batches:\n\n```ts\nconst acked = await push(batch);\n```\n\n" + "Nothing is lost or doubled. ".repeat(12);
/** The answer streamed across a reload: numbered pieces, so a doubled or missing one shows. */
const RELOAD_ANSWER = Array.from({ length: 40 }, (_, i) => `Piece ${String(i + 1).padStart(2, "0")} of the resumed answer.`).join(" ");
/** SSE events the model sends of that answer before it holds (response.created, item added, then 20 of 40 deltas). */
const RELOAD_HOLD_AFTER_EVENTS = 22;
let releaseReloadAnswer: () => void = () => undefined;
const reloadAnswerReleased = new Promise<void>((resolve) => {
  releaseReloadAnswer = resolve;
});
const SCRIPTS = {
  "Check the outbox": [
    [
      { type: "reasoning" as const, summary: ["Look at the folder first."] },
      { type: "shell" as const, command: "echo approved-output", escalate: true },
    ],
    { outputs: [{ type: "message" as const, text: ANSWER, chunks: 40 }], eventDelayMs: 80 },
  ],
  "Now say thanks": [[{ type: "message" as const, text: "Thanks received.", chunks: 2 }]],
  "Reload mid-stream": [
    {
      outputs: [{ type: "message" as const, text: RELOAD_ANSWER, chunks: 40 }],
      eventDelayMs: 40,
      hold: { afterEvents: RELOAD_HOLD_AFTER_EVENTS, until: reloadAnswerReleased },
    },
  ],
  "Stream forever": [{ outputs: [{ type: "message" as const, text: "A very long answer. ".repeat(300), chunks: 300 }], eventDelayMs: 150 }],
};

let world: WebWorld;
let browser: BrowserContext | undefined;
let page: Page;
/** What the page says over the sync WebSocket, watched from before the first load. */
let sync: ReturnType<typeof watchSyncFrames>;
/** Why Chromium did not start: every test then fails with it (a missing browser never skips a test). */
let launchError: Error | undefined;

beforeAll(async () => {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  world = await startWebWorld({ model: { script: [], respond: promptResponder(SCRIPTS) } });
  try {
    browser = await launchChromium({ width: 1280, height: 860 });
  } catch (error) {
    launchError = error as Error;
    return;
  }
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(SHOW_TIMEOUT_MS);
  sync = watchSyncFrames(page);
}, 240_000);

beforeEach(() => {
  if (launchError) throw launchError;
});

afterAll(async () => {
  releaseReloadAnswer();
  await browser?.close();
  await world?.close();
}, 60_000);

/** The last agent message's visible text length. */
async function answerLength(): Promise<number> {
  return (await page.locator("article[data-kind=agentMessage] .agent-text").last().innerText()).length;
}

describe("the example page steering a real codex turn", () => {
  test("start a thread from the page, approve the command inline: its output shows, the answer streams in and grows", async () => {
    await page.goto(world.pageUrl);
    await page.getByRole("button", { name: "New thread" }).click();
    await page.getByPlaceholder("What should codex do?").fill("Check the outbox");
    await page.getByRole("button", { name: "Start" }).click();

    const approval = page.getByRole("group", { name: "Approval needed" });
    await expect.poll(() => approval.count(), { timeout: SHOW_TIMEOUT_MS, interval: 250 }).toBe(1);
    expect(await approval.innerText()).toContain("echo approved-output");
    await approval.getByRole("button", { name: "Allow", exact: true }).click();

    const command = page.locator("article[data-kind=commandExecution]");
    await command.locator(".meta", { hasText: "exit 0" }).waitFor();
    // The output of a finished command is collapsed; open it from the keyboard.
    await command.locator("summary", { hasText: "Output" }).focus();
    await page.keyboard.press("Enter");
    await command.locator("pre.output", { hasText: "approved-output" }).waitFor();
    await expect.poll(() => approval.count(), { timeout: SHOW_TIMEOUT_MS, interval: 250 }).toBe(0);

    await page.locator("article[data-kind=agentMessage] .agent-text").first().waitFor();
    const first = await answerLength();
    await expect.poll(answerLength, { timeout: SHOW_TIMEOUT_MS, interval: 100 }).toBeGreaterThan(first);
    await page.locator('.turn[data-turn-status="completed"]').first().waitFor();
    await page.locator("article[data-kind=agentMessage] strong", { hasText: "every line" }).waitFor();
    await page.locator("article[data-kind=agentMessage] pre code.hljs").first().waitFor();
    await expect.poll(answerLength, { timeout: SHOW_TIMEOUT_MS, interval: 200 }).toBeGreaterThan(ANSWER.length - 40);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, "desktop.png"), fullPage: true });
  }, 300_000);

  test("the composer sends a follow-up that runs", async () => {
    const box = page.getByRole("textbox", { name: "Message to codex" });
    await box.fill("Now say thanks");
    await box.press("Enter");
    await page.locator("article[data-kind=userMessage]", { hasText: "Now say thanks" }).first().waitFor();
    await page.locator("article[data-kind=agentMessage]", { hasText: "Thanks received." }).waitFor();
    await expect.poll(() => page.locator('.turn[data-turn-status="completed"]').count(), { timeout: SHOW_TIMEOUT_MS, interval: 250 }).toBe(2);
    expect(await page.locator("article[data-kind=userMessage]", { hasText: "Now say thanks" }).count()).toBe(1);
  }, 300_000);

  test("Stop interrupts a streaming turn; its text so far stays", async () => {
    const box = page.getByRole("textbox", { name: "Message to codex" });
    await box.fill("Stream forever");
    await box.press("Enter");
    const streaming = page.locator("article[data-kind=agentMessage]", { hasText: "A very long answer." });
    await streaming.waitFor();
    await page.getByRole("button", { name: "Stop" }).click();
    await page.locator('.turn[data-turn-status="interrupted"]').waitFor();
    await expect.poll(() => page.getByRole("button", { name: "Stop" }).count(), { timeout: SHOW_TIMEOUT_MS, interval: 250 }).toBe(0);
    expect((await streaming.innerText()).length).toBeGreaterThan(0);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, "phone.png") });
    await page.getByRole("button", { name: "← Threads" }).click();
    // The list says how the thread's newest turn ended.
    await page.locator(".thread-list .badge.interrupted", { hasText: "interrupted" }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, "phone-threads.png") });
  }, 300_000);

  test("a reload mid-stream resumes from this browser's saved checkpoint: the answer ends whole, each piece once", async () => {
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.getByRole("button", { name: "New thread" }).click();
    await page.getByPlaceholder("What should codex do?").fill("Reload mid-stream");
    await page.getByRole("button", { name: "Start" }).click();

    // The model holds after piece 20: the stream stays live while the page reloads.
    const answer = page.locator("article[data-kind=agentMessage] .agent-text").last();
    await answer.filter({ hasText: "Piece 20 of" }).waitFor();
    // Reload once this browser saved a checkpoint past 0 and the server took it.
    const threadId = await page.locator("section.thread").getAttribute("data-thread-id");
    await expect.poll(() => sync.savedCursors(threadId!).length, { timeout: SHOW_TIMEOUT_MS, interval: 250 }).toBeGreaterThan(0);
    const streamId = sync.savedCursors(threadId!)[0]!.streamId;

    sync.reset();
    await page.reload();
    await page.getByRole("button", { name: /Reload mid-stream/ }).click();
    await answer.filter({ hasText: "Piece 20 of" }).waitFor();
    await expect.poll(() => sync.deltaCursors(streamId).length, { timeout: SHOW_TIMEOUT_MS, interval: 250 }).toBeGreaterThan(0);
    const firstAsked = sync.deltaCursors(streamId)[0]!;
    expect(firstAsked).toBeGreaterThan(0);
    expect(sync.everSaved(streamId)).toContain(firstAsked);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, "desktop-reloaded.png"), fullPage: true });
    expect(await answer.innerText()).not.toContain("Piece 21 of");

    releaseReloadAnswer();
    await page.locator('.turn[data-turn-status="completed"]').waitFor();
    await expect.poll(async () => (await answer.innerText()).trim(), { timeout: SHOW_TIMEOUT_MS, interval: 250 }).toBe(RELOAD_ANSWER);
  }, 300_000);
});

type SentFrame = { type?: string; requestId?: number; udfPath?: string; args?: unknown[]; modifications?: SentFrame[] };
type Cursor = { streamId: string; cursor: number; threadId?: string };

/**
 * What the page says to the deployment over the Convex sync WebSocket (every
 * socket of the page, across reloads): the checkpoints it saved and the cursors
 * it asked deltas from. Frames are the sync protocol's JSON messages.
 */
function watchSyncFrames(target: Page) {
  const saved: Cursor[] = [];
  const everSent: Cursor[] = [];
  let asked: Cursor[] = [];
  target.on("websocket", (socket) => {
    const pending = new Map<number, Cursor[]>();
    socket.on("framesent", ({ payload }) => {
      const frame = parseFrame(payload) as SentFrame | undefined;
      if (frame?.type === "Mutation" && frame.udfPath?.endsWith("saveCheckpoints") && typeof frame.requestId === "number") {
        const saveArgs = frame.args?.[0] as { threadId?: string; cursors?: Cursor[] } | undefined;
        const cursors = (saveArgs?.cursors ?? []).filter((c) => c.cursor > 0).map((c) => ({ ...c, threadId: saveArgs?.threadId }));
        pending.set(frame.requestId, cursors);
        everSent.push(...cursors);
      }
      for (const change of frame?.type === "ModifyQuerySet" ? (frame.modifications ?? []) : []) {
        const streamArgs = (change.args?.[0] as { streamArgs?: { kind?: string; cursors?: Cursor[] } } | undefined)?.streamArgs;
        if (change.type === "Add" && streamArgs?.kind === "deltas") asked.push(...(streamArgs.cursors ?? []));
      }
    });
    socket.on("framereceived", ({ payload }) => {
      const frame = parseFrame(payload) as { type?: string; requestId?: number; success?: boolean } | undefined;
      if (frame?.type !== "MutationResponse" || typeof frame.requestId !== "number") return;
      const cursors = pending.get(frame.requestId);
      pending.delete(frame.requestId);
      if (cursors && frame.success) saved.push(...cursors);
    });
  });
  return {
    /** Cursors past 0 in streams of `threadId` the deployment confirmed saving. */
    savedCursors: (threadId: string) => saved.filter((c) => c.threadId === threadId),
    /** Every cursor of `streamId` ever sent in a save (confirmed or not: a save on page hide may never be answered). */
    everSaved: (streamId: string) => everSent.filter((c) => c.streamId === streamId).map((c) => c.cursor),
    /** The cursors of `streamId` deltas were asked from since the last reset, in order. */
    deltaCursors: (streamId: string) => asked.filter((c) => c.streamId === streamId).map((c) => c.cursor),
    reset: () => {
      asked = [];
    },
  };
}

function parseFrame(payload: string | Buffer): unknown {
  try {
    return JSON.parse(typeof payload === "string" ? payload : payload.toString("utf8"));
  } catch {
    return undefined;
  }
}
