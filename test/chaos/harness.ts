/**
 * The world a chaos test runs in: the scripted model, a codex home, the
 * in-memory Convex app behind the loopback HTTP stand-in, a work directory
 * with the outbox, and the REAL `codex-convex` CLI as a child process that
 * the test can kill -9 and start again.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { makeCodexHome, type CodexHome } from "../stand-ins/codex-home.js";
import { createConvexApp, type ConvexApp } from "../stand-ins/convexApp.js";
import { startConvexHttpStandIn, type ConvexHttpStandIn } from "../stand-ins/convexHttpStandIn.js";
import { CLI_ENTRY, REPO_ROOT, type CliResult } from "../support/cli.js";

/** The bearer token the bridge sends; the stand-in makes it the identity `local|alice`. */
export const TOKEN = "alice";

/** tsx's loader as a file URL, so the CLI runs from source whatever its cwd. */
const TSX_LOADER = pathToFileURL(path.join(REPO_ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;

/** How often the test polls the outbox, in ms. */
const POLL_MS = 5;

/** One world: see the module comment. */
export type World = {
  home: CodexHome;
  t: ConvexApp;
  convex: ConvexHttpStandIn;
  /** Work directory: cwd of the threads, parent of the outbox. */
  dir: string;
  outboxPath: string;
  /** Environment of the bridge process. */
  env: NodeJS.ProcessEnv;
  /** Writes a file in `dir`. @returns its path. */
  file(name: string, text: string): Promise<string>;
  close(): Promise<void>;
};

/**
 * Creates a world around a running scripted model at `modelUrl`.
 * @param extraEnv - Added to the CLI's environment.
 * @param serve - What the HTTP stand-in serves, given the world's convex-test app (default: the app itself),
 *   e.g. a wrapper recording every applied seq (`test/support/appliedSeqs.ts`).
 */
export async function createWorld(
  modelUrl: string,
  extraEnv: NodeJS.ProcessEnv = {},
  serve: (t: ConvexApp) => ConvexApp = (t) => t,
): Promise<World> {
  const home = await makeCodexHome({ modelUrl });
  const t = createConvexApp();
  const convex = await startConvexHttpStandIn(serve(t));
  const dir = await mkdtemp(path.join(os.tmpdir(), "codex-convex-chaos-"));
  // An empty HOME: codex runs commands in login shells, which must not run (or, when a
  // test kills them, leave locks behind in) the user's profile.
  const userHome = path.join(dir, "home");
  await mkdir(userHome);
  const env = { ...home.env, HOME: userHome, CONVEX_URL: convex.url, CODEX_CONVEX_AUTH_TOKEN: TOKEN, ...extraEnv };
  return {
    home,
    t,
    convex,
    dir,
    outboxPath: path.join(dir, ".codex-convex", "outbox.sqlite"),
    env,
    async file(name, text) {
      const file = path.join(dir, name);
      await writeFile(file, text, { mode: 0o755 });
      return file;
    },
    async close() {
      await convex.close();
      await home.cleanup();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A running CLI process. */
export type CliProcess = {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  /** Resolves when it exited, with what it printed. */
  done: Promise<CliResult>;
  /** Kills the process (not its codex children, which see their stdin close). */
  kill(signal: NodeJS.Signals): void;
  /** Kills its whole process group (the CLI and any codex still running), for cleanup. */
  killGroup(): void;
  /** What it printed so far. */
  output(): { stdout: string; stderr: string };
};

/**
 * Starts `codex-convex <args>` with cwd = the world's dir, in its own process
 * group. @param timeoutMs - killed (group, SIGKILL) after this.
 */
export function startCli(world: World, args: string[], timeoutMs = 120_000): CliProcess {
  const child = spawn(process.execPath, ["--import", TSX_LOADER, CLI_ENTRY, ...args], {
    env: world.env,
    cwd: world.dir,
    detached: true,
  });
  const pid = child.pid ?? -1;
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const killGroup = () => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  const timer = setTimeout(killGroup, timeoutMs);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, pid, done, kill: (signal) => child.kill(signal), killGroup, output: () => ({ stdout, stderr }) };
}

/** Events stored in the outbox file so far (all sessions), read without disturbing the writer. */
export function storedEvents(outboxPath: string): number {
  if (!existsSync(outboxPath)) return 0;
  let db: Database.Database | undefined;
  try {
    db = new Database(outboxPath, { readonly: true, fileMustExist: true });
    db.pragma("busy_timeout = 1000");
    return (db.prepare("SELECT COALESCE(SUM(last_seq), 0) AS n FROM sessions").get() as { n: number }).n;
  } catch {
    return 0; // not created yet, or mid-migration
  } finally {
    db?.close();
  }
}

/**
 * Waits until the outbox holds at least `target` events or `cli` exits.
 * @returns the events stored when it stopped waiting.
 */
export async function waitForEvents(outboxPath: string, target: number, cli: CliProcess): Promise<number> {
  let exited = false;
  void cli.done.then(() => (exited = true));
  for (;;) {
    const stored = storedEvents(outboxPath);
    if (stored >= target || exited) return stored;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
