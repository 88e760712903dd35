/**
 * `npm run demo:web`: the example page following a real Codex turn live.
 *
 * Real: the `codex app-server` binary, the bridge with its production HTTP
 * transport (`ConvexHttpClient`), the component, the host functions, the React
 * hooks and page, and the page's `ConvexReactClient`. Local stand-ins: the
 * model (scripted, slowed so streaming is visible) and the Convex deployment
 * (convex-test behind one loopback URL that answers the HTTP API and the
 * WebSocket sync protocol, test/stand-ins/convexSyncStandIn.ts).
 *
 * Without flags it serves the page until Ctrl-C. `--screenshot DIR` instead
 * opens Debian's Chromium headless (playwright-core), saves `streaming.png`
 * mid-turn and `done.png` after it, checks the page shows the streamed text,
 * and exits (code 1 when it does not).
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { build, preview } from "vite";
import { ConvexHttpTransport } from "../src/bridge/push/convexHttpTransport.js";
import { run } from "../src/bridge/jobs/run.js";
import { makeCodexHome } from "../test/stand-ins/codex-home.js";
import { createConvexApp } from "../test/stand-ins/convexApp.js";
import { standInJwt, startConvexSyncStandIn } from "../test/stand-ins/convexSyncStandIn.js";
import { startScriptedModel } from "../test/stand-ins/model-server.js";

/** Debian's Chromium; the demo never downloads a browser. */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Pause between two SSE events of the scripted model, in ms, so the page shows streaming. */
const EVENT_DELAY_MS = 120;
/** The demo user, as an unsigned JWT the stand-in accepts (the page's client reads its expiry). */
const TOKEN = standInJwt("demo-user");
const ANSWER =
  "Every line codex printed went to the SQLite outbox first, then to Convex in batches; " +
  "this page merges the durable messages with the live deltas as they arrive.";

async function main(): Promise<void> {
  const screenshotIndex = process.argv.indexOf("--screenshot");
  const screenshotDir = screenshotIndex > 0 ? path.resolve(process.argv[screenshotIndex + 1] ?? "screenshots") : null;
  const model = await startScriptedModel({
    eventDelayMs: EVENT_DELAY_MS,
    script: [
      [
        { type: "reasoning", summary: ["Check the folder, then explain the data flow."] },
        { type: "shell", command: "echo outbox first && echo then convex" },
      ],
      [{ type: "message", text: ANSWER, chunks: 24 }],
    ],
  });
  const home = await makeCodexHome({ modelUrl: model.url });
  const work = await mkdtemp(path.join(os.tmpdir(), "codex-convex-web-"));
  const convex = await startConvexSyncStandIn(createConvexApp());
  // A production build of the page, served statically: what a host would deploy.
  const configFile = path.join(path.dirname(fileURLToPath(import.meta.url)), "web", "vite.config.ts");
  const outDir = path.join(work, "web-dist");
  await build({ configFile, build: { outDir, emptyOutDir: true } });
  const vite = await preview({ configFile, build: { outDir }, preview: { port: 0, host: "127.0.0.1" } });
  const pageUrl = `${vite.resolvedUrls?.local[0] ?? ""}?standIn=${encodeURIComponent(convex.url)}&token=${TOKEN}`;
  console.log(`page: ${pageUrl}`);
  console.log(`Convex (local stand-in): ${convex.url}; model (local stand-in): ${model.url}`);

  const turn = run({
    prompt: "How does this page get its data?",
    cwd: work,
    transport: new ConvexHttpTransport({ url: convex.url, authToken: TOKEN }),
    outboxPath: path.join(work, ".codex-convex", "outbox.sqlite"),
    codexEnv: home.env,
  });
  try {
    if (!screenshotDir) {
      const summary = await turn;
      console.log(`turn ${summary.status}: ${summary.events} events, ${summary.acked} acknowledged. Open the page; Ctrl-C to stop.`);
      await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
      return;
    }
    await mkdir(screenshotDir, { recursive: true });
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
      page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
      page.on("response", (response) => {
        if (response.status() >= 400) console.error(`page request failed: ${response.status()} ${response.url()}`);
      });
      page.on("console", (message) => {
        if (message.type() === "error") console.error(`page console: ${message.text()}`);
      });
      await page.goto(pageUrl);
      await page
        .waitForSelector('article.agentMessage[data-status="inProgress"]', { timeout: 30_000 })
        .catch(async (error: unknown) => {
          await page.screenshot({ path: path.join(screenshotDir, "failed.png") });
          console.error(`page text when it failed: ${(await page.textContent("body"))?.slice(0, 500)}`);
          throw error;
        });
      await page.screenshot({ path: path.join(screenshotDir, "streaming.png") });
      const summary = await turn;
      await page.waitForSelector('article.agentMessage[data-status="completed"]', { timeout: 30_000 });
      await page.screenshot({ path: path.join(screenshotDir, "done.png") });
      const shown = await page.locator("article.agentMessage .text").last().textContent();
      console.log(`turn ${summary.status}; page shows the answer: ${shown === ANSWER}`);
      console.log(`screenshots: ${path.join(screenshotDir, "streaming.png")}, ${path.join(screenshotDir, "done.png")}`);
      if (shown !== ANSWER) process.exitCode = 1;
    } finally {
      await browser.close();
    }
  } finally {
    await turn.catch(() => undefined);
    await vite.close();
    await convex.close();
    await model.close();
    await home.cleanup();
    await rm(work, { recursive: true, force: true });
  }
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
