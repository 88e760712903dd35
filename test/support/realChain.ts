/**
 * The real steering chain in one test process plus one child: the example host
 * app (convex-test) behind the WebSocket sync stand-in; a "browser" — a real
 * `ConvexClient` signed in as a test identity — calling the host's functions;
 * the real CLI paired with `codex-convex pair` and serving with
 * `codex-convex bridge --serve` as a child process (its `ConvexCommandSource`
 * on the stand-in); the real `codex app-server` talking to the scripted model.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ConvexClient } from "convex/browser";
import { api } from "../../example/convex/_generated/api.js";
import { CODEX_BINARY_PATH, makeCodexHome, type CodexHome } from "../stand-ins/codex-home.js";
import { createConvexApp, type ConvexApp } from "../stand-ins/convexApp.js";
import { standInJwt, startConvexSyncStandIn, type ConvexSyncStandIn } from "../stand-ins/convexSyncStandIn.js";
import { startScriptedModel, type ScriptedModel, type ScriptedModelOptions } from "../stand-ins/model-server.js";
import { CLI_ENTRY, REPO_ROOT, runCli } from "./cli.js";

/** The host's functions, by name (`codex:<name>`). */
export const host = api.codex;

/** A signed-in browser: a real `ConvexClient` on the stand-in. */
export function browserClient(url: string, subject: string): ConvexClient {
  const client = new ConvexClient(url, { skipConvexDeploymentUrlCheck: true, unsavedChangesWarning: false, logger: false });
  const token = standInJwt(subject);
  client.setAuth(async () => token);
  return client;
}

/** A `bridge --serve` child process. */
export type ServeProcess = {
  proc: ChildProcess;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or null after a signal). */
  exited: Promise<number | null>;
};

export type RealChain = {
  app: ConvexApp;
  standIn: ConvexSyncStandIn;
  model: ScriptedModel;
  home: CodexHome;
  dir: string;
  workspace: string;
  /** Where the codex wrapper the bridge spawns appends its environment (`env` output) before exec'ing the real codex. */
  codexEnvDump: string;
  /**
   * While this file exists, a codex the bridge starts as `app-server` waits
   * before running (so a claimed command is held before anything reaches codex).
   */
  holdCodexFile: string;
  /** The outbox file of `serve`. */
  outboxPath: string;
  /** The CLI's environment (codex home, XDG config with the device file). */
  env: NodeJS.ProcessEnv;
  /** The browser of the user who paired the device. */
  browser: ConvexClient;
  /** Pairs the CLI (code created by `browser`); returns the CLI result. */
  pair(name?: string): Promise<{ deviceId: string; stdout: string; stderr: string; code: number | null }>;
  /** Starts `codex-convex bridge --serve` and resolves once it serves. */
  serve(extra?: string[]): Promise<ServeProcess>;
  close(): Promise<void>;
};

/** Options of {@link startRealChain}. */
export type RealChainOptions = { model: Pick<ScriptedModelOptions, "script" | "respond" | "eventDelayMs">; approvalPolicy?: string; sandboxMode?: string };

/** Builds the chain (see the module comment); nothing is paired or served yet. */
export async function startRealChain(options: RealChainOptions): Promise<RealChain> {
  const app = createConvexApp();
  const standIn = await startConvexSyncStandIn(app, { rescanMs: 200 });
  const model = await startScriptedModel(options.model);
  const home = await makeCodexHome({
    modelUrl: model.url,
    approvalPolicy: (options.approvalPolicy ?? "on-request") as never,
    sandboxMode: (options.sandboxMode ?? "read-only") as never,
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), "codex-convex-real-chain-"));
  const workspace = path.join(dir, "workspace");
  await mkdir(workspace);
  await mkdir(path.join(dir, "home"));
  const codexEnvDump = path.join(dir, "codex-env.txt");
  const wrapper = path.join(dir, "codex-wrapper.sh");
  const holdCodexFile = path.join(dir, "hold-codex");
  await writeFile(
    wrapper,
    `#!/bin/sh\nenv >> '${codexEnvDump}'\n` +
      `if [ "$1" = "app-server" ]; then while [ -f '${holdCodexFile}' ]; do sleep 0.1; done; fi\n` +
      `exec '${CODEX_BINARY_PATH}' "$@"\n`,
  );
  await chmod(wrapper, 0o755);
  const outboxPath = path.join(dir, "outbox.sqlite");
  const env: NodeJS.ProcessEnv = {
    ...home.env,
    HOME: path.join(dir, "home"),
    XDG_CONFIG_HOME: path.join(dir, "config"),
    CODEX_CONVEX_AUTH_TOKEN: "",
    CONVEX_URL: "",
  };
  const browser = browserClient(standIn.url, "alice");
  const children: ServeProcess[] = [];
  return {
    app,
    standIn,
    model,
    home,
    dir,
    workspace,
    codexEnvDump,
    holdCodexFile,
    outboxPath,
    env,
    browser,
    pair: async (name = "test box") => {
      const { code } = (await browser.mutation(host.createPairingCode, {})) as { code: string };
      const result = await runCli(["pair", code, "--convex-url", standIn.url, "--name", name, "--json"], env, 60_000);
      const deviceId = result.code === 0 ? (JSON.parse(result.stdout) as { deviceId: string }).deviceId : "";
      return { deviceId, stdout: result.stdout, stderr: result.stderr, code: result.code };
    },
    serve: (extra = []) => {
      const args = ["--log-level", "info", "bridge", "--serve", "--workspace", workspace, "--cwd", dir, "--outbox", outboxPath, "--codex-bin", wrapper, "--convex-url", standIn.url, ...extra];
      const proc = spawn(process.execPath, ["--import", "tsx", CLI_ENTRY, ...args], { env, cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
      const child: ServeProcess = { proc, stderr: () => stderr, exited };
      if (process.env.REAL_CHAIN_DEBUG) proc.stderr!.on("data", (c: Buffer) => process.stderr.write(c));
      children.push(child);
      return new Promise((resolve, reject) => {
        proc.stderr!.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.includes("serving commands on")) resolve(child);
        });
        void exited.then((code) => reject(new Error(`bridge --serve exited (${code}) before serving: ${stderr}`)));
      });
    },
    close: async () => {
      for (const child of children) {
        if (child.proc.exitCode === null && child.proc.signalCode === null) {
          child.proc.kill("SIGTERM");
          const timer = setTimeout(() => child.proc.kill("SIGKILL"), 20_000);
          await child.exited;
          clearTimeout(timer);
        }
      }
      await browser.close();
      await standIn.close();
      await model.close();
      await home.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `probe` returns a value other than undefined, polling every `everyMs`; throws after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
