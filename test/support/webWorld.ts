/**
 * The whole product on one machine, for the browser test and `npm run demo:web`:
 * - the sync-protocol Convex stand-in (convex-test behind one loopback URL) running the example app;
 * - the real `codex-convex` CLI as child processes: `pair <code>` (a code the
 *   signed-in user created, as the page's Devices screen does), then
 *   `bridge --serve` on a workspace, running the real `codex app-server` with
 *   the scripted model and `on-request` approvals;
 * - the example page, built by Vite and served statically (what a host deploys).
 * The page is opened at `pageUrl` (stand-in URL and user token in the query).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { build, preview, type PreviewServer } from "vite";
import { api } from "../../example/convex/_generated/api.js";
import { makeCodexHome, type CodexHome } from "../stand-ins/codex-home.js";
import { createConvexApp } from "../stand-ins/convexApp.js";
import { standInJwt, startConvexSyncStandIn, type ConvexSyncStandIn } from "../stand-ins/convexSyncStandIn.js";
import { startScriptedModel, type ScriptedModel, type ScriptedModelOptions } from "../stand-ins/model-server.js";
import { CLI_ENTRY, REPO_ROOT, runCli } from "./cli.js";

/** How long `bridge --serve` may take to say it serves, in ms (a busy CI machine is slow). */
const SERVE_START_TIMEOUT_MS = 90_000;
/** How long the bridge may take to stop after SIGTERM before it is killed, in ms. */
const SERVE_STOP_TIMEOUT_MS = 20_000;

export type WebWorld = {
  convex: ConvexSyncStandIn;
  model: ScriptedModel;
  /** The page, signed in as the world's user, against the stand-in. */
  pageUrl: string;
  /** The user's token (an unsigned JWT the stand-in accepts). */
  token: string;
  /** The directory the device declared as its workspace. */
  workspace: string;
  /** Everything the bridge printed on stderr so far (for failure messages). */
  bridgeLog(): string;
  close(): Promise<void>;
};

export type WebWorldOptions = {
  model: Pick<ScriptedModelOptions, "script" | "respond" | "eventDelayMs">;
  /** The signed-in user's subject. */
  user?: string;
  /** Gets every chunk the bridge prints (default: kept only for failure messages). */
  log?: (line: string) => void;
};

/** Starts a world (see the module comment). @throws Error when pairing or serving fails (with the CLI's output). */
export async function startWebWorld(options: WebWorldOptions): Promise<WebWorld> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "codex-convex-web-"));
  const cleanups: Array<() => Promise<unknown>> = [() => rm(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const model = await startScriptedModel(options.model);
    cleanups.push(() => model.close());
    const home: CodexHome = await makeCodexHome({ modelUrl: model.url, approvalPolicy: "on-request", sandboxMode: "read-only" });
    cleanups.push(() => home.cleanup());
    const convex = await startConvexSyncStandIn(createConvexApp(), { rescanMs: 250 });
    cleanups.push(() => convex.close());
    const token = standInJwt(options.user ?? "web-user");
    const workspace = path.join(dir, "workspace");
    await mkdir(workspace);
    await mkdir(path.join(dir, "home"));
    const env: NodeJS.ProcessEnv = {
      ...home.env,
      HOME: path.join(dir, "home"),
      XDG_CONFIG_HOME: path.join(dir, "config"),
      CONVEX_URL: convex.url,
      CODEX_CONVEX_AUTH_TOKEN: "",
    };

    const user = new ConvexHttpClient(convex.url);
    user.setAuth(token);
    const { code } = await user.mutation(api.codex.createPairingCode, { name: "demo desktop" });
    const paired = await runCli(["pair", code, "--convex-url", convex.url, "--name", "demo desktop"], env);
    if (paired.code !== 0) throw new Error(`codex-convex pair failed (${paired.code}): ${paired.stderr}`);

    const bridge = await startServingBridge(env, workspace, dir, options.log);
    cleanups.push(() => bridge.stop());

    const configFile = path.join(REPO_ROOT, "example/web/vite.config.ts");
    const outDir = path.join(dir, "web-dist");
    await build({ configFile, build: { outDir, emptyOutDir: true }, logLevel: "error" });
    const vite: PreviewServer = await preview({ configFile, build: { outDir }, preview: { port: 0, host: "127.0.0.1" }, logLevel: "error" });
    cleanups.push(() => vite.close());
    const base = vite.resolvedUrls?.local[0];
    if (!base) throw new Error("Vite preview did not report its URL.");
    const pageUrl = `${base}?standIn=${encodeURIComponent(convex.url)}&token=${token}`;
    return { convex, model, pageUrl, token, workspace, bridgeLog: bridge.log, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** `codex-convex bridge --serve` as a child process; resolves once it serves. */
async function startServingBridge(env: NodeJS.ProcessEnv, workspace: string, dir: string, log?: (line: string) => void) {
  const args = ["--import", "tsx", CLI_ENTRY, "--log-level", "info", "bridge", "--serve", "--workspace", workspace, "--cwd", workspace, "--outbox", path.join(dir, "outbox.sqlite"), "--no-status"];
  const child: ChildProcess = spawn(process.execPath, args, { env, cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    log?.(chunk.toString().trimEnd());
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bridge --serve did not start within ${SERVE_START_TIMEOUT_MS} ms: ${output}`)), SERVE_START_TIMEOUT_MS);
    const check = () => {
      if (output.includes("serving commands on")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`bridge --serve exited (${code}) before serving: ${output}`));
    });
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill("SIGKILL"), SERVE_STOP_TIMEOUT_MS);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM");
    });
  return { log: () => output, stop };
}
