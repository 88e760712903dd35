/**
 * Spawning `codex app-server` as a child process speaking JSON-RPC over its
 * stdin/stdout. stderr is always drained (to a log file or discarded) so a
 * chatty codex can never block on a full pipe.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { closeSync, createWriteStream, existsSync, openSync } from "node:fs";
import { BridgeError } from "../errors.js";
import { codexEnvironment } from "./codexEnv.js";
import { JsonRpcConnection, type JsonRpcConnectionOptions } from "./rpc.js";

/** How much of codex's latest stderr output is kept for error messages, in bytes. */
export const STDERR_TAIL_BYTES = 16 * 1024;

/** Default wait between closing stdin, SIGTERM and SIGKILL in {@link AppServer.shutdown}, in ms. */
export const SHUTDOWN_GRACE_MS = 3_000;

/** Options of {@link spawnAppServer}. */
export type SpawnAppServerOptions = {
  /** Path of the codex binary (see `findCodexBinary`). */
  binaryPath: string;
  /** Working directory of the child. Default: this process's. */
  cwd?: string;
  /**
   * Environment of the child (complete, not merged with this process's).
   * Default `process.env`. Either way the bridge's credentials are removed
   * first (`CODEX_CONVEX_*`, credential `CONVEX_*`, any value holding a
   * remembered secret; see `codexEnv.ts`): codex passes its environment to
   * every command the model runs.
   */
  env?: NodeJS.ProcessEnv;
  /** Extra arguments after `app-server`, e.g. `["-c", "model=\"o3\""]`. */
  args?: string[];
  /** File that stderr is appended to. Default: stderr is read and discarded (its tail is kept). */
  stderrLog?: string;
  /** Called with every stderr chunk (e.g. a `RotatingLog`'s `write`); must not throw. */
  onStderr?: (chunk: Buffer) => void;
  /** Hooks of the JSON-RPC connection, installed before any output is read. */
  rpc?: JsonRpcConnectionOptions;
};

/** How the child ended: exit code, or the signal that killed it. */
export type AppServerExit = { code: number | null; signal: NodeJS.Signals | null };

/** A running `codex app-server`. */
export type AppServer = {
  /** The child process (stdio are pipes). */
  child: ChildProcessWithoutNullStreams;
  /** JSON-RPC over the child's stdout/stdin. */
  connection: JsonRpcConnection;
  /** Resolves when the child has exited and its stdio are closed (all stdout was read). Never rejects. */
  exited: Promise<AppServerExit>;
  /**
   * Sends `signal` (default `SIGTERM`) unless the child already exited.
   * @returns whether a signal was sent.
   */
  kill(signal?: NodeJS.Signals): boolean;
  /**
   * Stops the child politely: closes its stdin (codex exits on EOF), then
   * SIGTERM after `graceMs`, then SIGKILL after another `graceMs`.
   * @param graceMs - wait per step, in ms. Default {@link SHUTDOWN_GRACE_MS}.
   * @returns how it ended.
   */
  shutdown(graceMs?: number): Promise<AppServerExit>;
  /** The last {@link STDERR_TAIL_BYTES} bytes codex wrote to stderr, as text. */
  stderrTail(): string;
};

/**
 * Spawns `<binaryPath> app-server [...args]` with piped stdio and attaches a
 * {@link JsonRpcConnection} to it.
 *
 * ```ts
 * const server = await spawnAppServer({ binaryPath, stderrLog: "codex.log", rpc: { onRawLines } });
 * await server.connection.request(initialize, { clientInfo, capabilities: null });
 * ```
 *
 * @param options - see {@link SpawnAppServerOptions}.
 * @returns the running server, once the OS has started the process.
 * @throws BridgeError `CODEX_SPAWN_FAILED` when the process cannot be started
 *   (missing binary or cwd, not executable, …), `INVALID_ARGUMENT` when
 *   `stderrLog` cannot be opened for appending.
 */
export async function spawnAppServer(options: SpawnAppServerOptions): Promise<AppServer> {
  const { binaryPath } = options;
  const args = ["app-server", ...(options.args ?? [])];

  let logFd: number | undefined;
  if (options.stderrLog !== undefined) {
    try {
      logFd = openSync(options.stderrLog, "a");
    } catch (error) {
      throw new BridgeError(
        "INVALID_ARGUMENT",
        `Cannot open the codex stderr log ${options.stderrLog} for appending: ${(error as Error).message}. Choose a writable path.`,
        { cause: error },
      );
    }
  }

  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn(binaryPath, args, {
      cwd: options.cwd,
      env: codexEnvironment(options.env ?? process.env),
      stdio: ["pipe", "pipe", "pipe"],
      windowsHide: true,
    });
  } catch (error) {
    if (logFd !== undefined) closeSync(logFd);
    throw spawnFailed(binaryPath, options.cwd, error);
  }

  // Attach everything synchronously, before any output can be read.
  const connection = new JsonRpcConnection(child.stdout, child.stdin, options.rpc);
  const tail = drainStderr(child, logFd, options.onStderr);
  const exited = new Promise<AppServerExit>((resolve) => {
    child.once("close", (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal }));
  });

  await new Promise<void>((resolve, reject) => {
    const onSpawn = (): void => {
      child.off("error", onError);
      resolve();
    };
    const onError = (error: Error): void => {
      child.off("spawn", onSpawn);
      connection.close(error);
      reject(spawnFailed(binaryPath, options.cwd, error));
    };
    child.once("spawn", onSpawn);
    child.once("error", onError);
  });
  // Later errors (e.g. a failed kill) must not crash the process; `exited` still settles.
  child.on("error", () => {});

  const kill = (signal: NodeJS.Signals = "SIGTERM"): boolean => {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    return child.kill(signal);
  };

  const shutdown = async (graceMs: number = SHUTDOWN_GRACE_MS): Promise<AppServerExit> => {
    child.stdin.end();
    for (const signal of [undefined, "SIGTERM", "SIGKILL"] as const) {
      if (signal !== undefined) kill(signal);
      const result = await Promise.race([exited, delay(graceMs)]);
      if (result !== undefined) return result;
    }
    return exited;
  };

  return { child, connection, exited, kill, shutdown, stderrTail: () => tail.text() };
}

/** Keeps stderr flowing: to the log file if given, else discarded; remembers the tail. */
function drainStderr(
  child: ChildProcessWithoutNullStreams,
  logFd: number | undefined,
  onStderr: ((chunk: Buffer) => void) | undefined,
): { text(): string } {
  let tail = Buffer.alloc(0);
  child.stderr.on("data", (chunk: Buffer) => {
    try {
      onStderr?.(chunk);
    } catch {
      // A failing log must never stop the draining.
    }
    tail = Buffer.concat([tail, chunk]);
    if (tail.length > STDERR_TAIL_BYTES) tail = tail.subarray(tail.length - STDERR_TAIL_BYTES);
  });
  child.stderr.on("error", () => {});
  if (logFd !== undefined) {
    const log = createWriteStream("", { fd: logFd });
    // If the log cannot be written (disk full, …) keep draining rather than block codex.
    log.on("error", () => {
      child.stderr.unpipe(log);
      child.stderr.resume();
    });
    child.stderr.pipe(log);
  }
  return { text: () => tail.toString("utf8") };
}

function spawnFailed(binaryPath: string, cwd: string | undefined, error: unknown): BridgeError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  let hint: string;
  if (code === "ENOENT" && cwd !== undefined && !existsSync(cwd)) {
    hint = `the working directory ${cwd} does not exist. Create it or pass another cwd.`;
  } else if (code === "ENOENT") {
    hint = `no such file. Check --codex-bin / CODEX_BIN, or install @openai/codex.`;
  } else if (code === "EACCES") {
    hint = `permission denied. Make it executable (chmod +x) or point to the real codex binary.`;
  } else {
    hint = `${(error as Error | undefined)?.message ?? String(error)}.`;
  }
  return new BridgeError("CODEX_SPAWN_FAILED", `Could not start \`${binaryPath} app-server\`: ${hint}`, {
    cause: error,
  });
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}
