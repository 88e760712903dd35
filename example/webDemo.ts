/**
 * `npm run demo:web`: the example page steering a real Codex, offline, in one command.
 *
 * Real: the `codex app-server` binary, the `codex-convex` CLI (`pair`, then
 * `bridge --serve` with its production HTTP transport), the component, the
 * host functions, the React hooks and page, and the page's `ConvexReactClient`.
 * Local stand-ins: the model (scripted, slowed so streaming is visible) and
 * the Convex deployment (convex-test behind one loopback URL that answers the
 * HTTP API and the WebSocket sync protocol). See test/support/webWorld.ts.
 *
 * It starts a first thread that asks to run a command, so the page shows an
 * approval to click; the composer, Stop and New thread work too. Ctrl-C stops
 * everything and exits.
 *
 * `--screenshot FILE` instead opens Debian's Chromium headless, approves the
 * command, waits for the answer, saves a PNG of the page to FILE and exits
 * (code 1 when the page does not show the answer).
 */
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { api } from "./convex/_generated/api.js";
import { launchChromium } from "../test/support/browser.js";
import { startWebWorld, type WebWorld } from "../test/support/webWorld.js";
import type { ScriptedResponse } from "../test/stand-ins/model-server.js";

/** Pause between two SSE events of the scripted model, in ms, so the page shows streaming. */
const EVENT_DELAY_MS = 60;
/** Longest wait for the page to show something in `--screenshot` mode, in ms. */
const SHOW_TIMEOUT_MS = 90_000;
const PROMPT = "How does this page get its data?";
const ANSWER =
  "Every line codex printed went to the **SQLite outbox** first, then to Convex in batches:\n\n" +
  "```ts\nconst { ackedSeq } = await transport.ingestSafe({ sessionId, events });\n```\n\n" +
  "This page merges the durable messages with the live deltas as they arrive, so nothing is lost or doubled.";

/** The demo's model: the first prompt reasons, asks to run a command (an approval), then answers. */
function respond(body: Record<string, unknown>): ScriptedResponse | undefined {
  const input = JSON.stringify(body.input ?? "");
  if (!input.includes(PROMPT)) return undefined;
  const toolOutputs = (input.match(/function_call_output/g) ?? []).length;
  if (toolOutputs === 0) {
    return [
      { type: "reasoning", summary: ["Check the folder, then explain the data flow."] },
      { type: "shell", command: "echo outbox first && echo then convex", escalate: true },
    ];
  }
  return { outputs: [{ type: "message", text: ANSWER, chunks: 40 }], eventDelayMs: EVENT_DELAY_MS };
}

/** Queues the first thread on the demo device, as the page's New thread does. */
async function startFirstThread(world: WebWorld): Promise<void> {
  const user = new ConvexHttpClient(world.convex.url);
  user.setAuth(world.token);
  const [device] = await user.query(api.codex.listDevices, {});
  const workspace = device?.workspaces[0];
  if (!device || !workspace) throw new Error("The demo device did not declare its workspace.");
  await user.mutation(api.codex.startThread, { idempotencyKey: "demo-first-thread", deviceId: device.deviceId, workspaceId: workspace.workspaceId, prompt: PROMPT });
}

async function screenshot(world: WebWorld, file: string): Promise<boolean> {
  const browser = await launchChromium({ width: 1100, height: 720 });
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(SHOW_TIMEOUT_MS);
    page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
    await page.goto(world.pageUrl);
    await page.getByRole("group", { name: "Approval needed" }).getByRole("button", { name: "Allow", exact: true }).click();
    await page.locator('.turn[data-turn-status="completed"]').waitFor();
    await page.locator("article[data-kind=agentMessage] .agent-text", { hasText: "nothing is lost or doubled." }).waitFor();
    await page.locator("article[data-kind=commandExecution] summary", { hasText: "Output" }).click();
    await page.screenshot({ path: file });
    console.log(`screenshot: ${file}`);
    return true;
  } catch (error) {
    console.error(`the page did not show the demo turn: ${(error as Error).message}`);
    return false;
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const screenshotIndex = process.argv.indexOf("--screenshot");
  const screenshotFile = screenshotIndex > 0 ? path.resolve(process.argv[screenshotIndex + 1] ?? "screenshot.png") : null;
  const world = await startWebWorld({ model: { script: [], respond } });
  let exitCode = 0;
  try {
    await startFirstThread(world);
    if (screenshotFile) {
      exitCode = (await screenshot(world, screenshotFile)) ? 0 : 1;
    } else {
      console.log(`Open the page: ${world.pageUrl}`);
      console.log(`Convex (local stand-in): ${world.convex.url}; model (local stand-in): ${world.model.url}`);
      console.log("The first thread waits for your approval on the page. Ctrl-C to stop.");
      await new Promise<void>((resolve) => {
        process.once("SIGINT", () => resolve());
        process.once("SIGTERM", () => resolve());
      });
      console.log("stopping…");
    }
  } finally {
    await world.close();
  }
  // convex-test keeps scheduled-function timers (the component's watchdogs)
  // alive for minutes; everything of ours is closed, so leave now.
  process.exit(exitCode);
}

// Exit explicitly once everything above is closed (browser, page server, model,
// Convex stand-in): the stand-in's convex-test scheduler keeps real timers for
// the component's scheduled functions (session idle timeouts, up to 10 min)
// and offers no way to cancel them, so the event loop would otherwise stay alive.
main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
    process.exit(1);
  },
);
