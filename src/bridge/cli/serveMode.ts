/**
 * `codex-convex bridge --serve`: the flags of serve mode and the glue that
 * runs a {@link CommandLoop} beside the bridge's jobs (see `serve/commandLoop.ts`).
 */
import { statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { InvalidArgumentError } from "commander";
import { ServerRequestBroker, type ServerRequestPolicy } from "../codex/serverRequestBroker.js";
import { UNATTENDED_POLICIES, type UnattendedPolicy } from "../codex/unattended.js";
import { readDeviceCredential } from "../device/credentials.js";
import { BridgeError } from "../errors.js";
import { EXIT_PUSH_STOPPED } from "./output.js";
import type { Bridge } from "../jobs/bridge.js";
import type { BridgeLog } from "../log.js";
import type { Outbox } from "../outbox/outbox.js";
import { CommandLog } from "../serve/commandLog.js";
import { CommandLoop } from "../serve/commandLoop.js";
import type { CommandSource } from "../serve/commandSource.js";
import { ConvexCommandSource } from "../serve/convexCommandSource.js";

/** Exit code when the deployment refused the device (`DEVICE_REVOKED`, `DEVICE_UNKNOWN`). */
export const EXIT_DEVICE_REFUSED = EXIT_PUSH_STOPPED;

/** Serve-mode flags of `bridge`. */
export type ServeFlags = {
  serve: boolean;
  workspace: string[];
  approvalTimeout?: number;
  unattended?: UnattendedPolicy;
};

/** Parses `--unattended`. @throws InvalidArgumentError (commander prints it). */
export function unattendedPolicy(value: string): UnattendedPolicy {
  if (!(UNATTENDED_POLICIES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${UNATTENDED_POLICIES.join(", ")}`);
  return value as UnattendedPolicy;
}

/**
 * When codex's server requests are answered without a browser: with `--serve`
 * they wait for the browser (for `--approval-timeout` ms when given, forever by
 * default); without it nobody can answer, so the `--unattended` policy
 * (default `decline`) answers at once.
 */
export function serverRequestPolicy(flags: ServeFlags): ServerRequestPolicy {
  const unattended = flags.unattended ?? "decline";
  if (!flags.serve) return { waitMs: 0, unattended };
  return { waitMs: flags.approvalTimeout ?? Infinity, unattended };
}

/**
 * The declared workspaces: each `--workspace` (default: `--cwd`), resolved, must be a directory.
 * @throws BridgeError `INVALID_ARGUMENT` for one that is not.
 */
export function declaredWorkspaces(flags: ServeFlags, cwd: string): Array<{ path: string; label: string }> {
  const dirs = flags.workspace.length > 0 ? flags.workspace : [cwd];
  return [...new Set(dirs.map((dir) => path.resolve(cwd, dir)))].map((dir) => {
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw new BridgeError("INVALID_ARGUMENT", `--workspace ${dir} is not a directory. Declare existing directories only.`);
    return { path: dir, label: path.basename(dir) || dir };
  });
}

/** What {@link startServeMode} needs. */
export type ServeModeOptions = {
  flags: ServeFlags;
  url: string;
  cwd: string;
  outbox: Outbox;
  outboxPath: string;
  bridge: Bridge;
  broker: ServerRequestBroker;
  binaryPath: string;
  codexVersion: string;
  maxThreads?: number;
  logDir?: string;
  log: BridgeLog;
  /** The command source; default a {@link ConvexCommandSource} with the stored device secret. */
  source?: CommandSource;
  /** Called when the deployment refuses the device for good. */
  onRefused: (error: BridgeError) => void;
};

/**
 * Checks serve mode can run (a paired device for this URL, valid workspaces)
 * before anything starts.
 * @returns the device secret.
 * @throws BridgeError `INVALID_ARGUMENT` when the machine is not paired with the deployment.
 */
export function requirePairedDevice(url: string): string {
  const credential = readDeviceCredential(url);
  if (!credential) {
    throw new BridgeError(
      "INVALID_ARGUMENT",
      `This machine is not paired with ${url}, which serve mode needs. Create a pairing code in the app, then run: codex-convex pair <code> --convex-url ${url}`,
    );
  }
  return credential.deviceSecret;
}

/**
 * Starts the command loop (after the bridge started, so leftovers are adopted first).
 * @returns a function stopping it (pass as the bridge's `beforeClose`).
 * @throws BridgeError `DEVICE_REVOKED` when the first heartbeat is refused.
 */
export async function startServeMode(options: ServeModeOptions): Promise<(reason: string) => Promise<void>> {
  const source = options.source ?? new ConvexCommandSource({ url: options.url, deviceSecret: requirePairedDevice(options.url), skipConvexDeploymentUrlCheck: isLocal(options.url) });
  const commandLog = CommandLog.open(options.outboxPath);
  const workspaces = declaredWorkspaces(options.flags, options.cwd);
  const loop = new CommandLoop({
    source,
    outbox: options.outbox,
    openHandle: (sessionId) => options.bridge.openHandle(sessionId),
    commandLog,
    broker: options.broker,
    binaryPath: options.binaryPath,
    codexVersion: options.codexVersion,
    workspaces,
    maxThreads: options.maxThreads,
    launch: options.bridge.codexLauncher,
    slots: options.bridge.threadSlots,
    logDir: options.logDir,
    log: options.log,
    onFatal: options.onRefused,
  });
  let stopped: Promise<void> | null = null;
  const stop = (reason: string) =>
    (stopped ??= (async () => {
      await loop.stop(reason);
      await source.close().catch(() => {});
      commandLog.close();
    })());
  try {
    await loop.start();
  } catch (error) {
    await stop("serve mode could not start");
    throw error;
  }
  options.log.info(`serving commands on ${os.hostname()}: ${workspaces.map((w) => w.path).join(", ")}`);
  return stop;
}

function isLocal(url: string): boolean {
  try {
    return ["127.0.0.1", "localhost", "[::1]"].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}
