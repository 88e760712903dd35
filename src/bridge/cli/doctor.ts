/**
 * `codex-convex doctor`: checks what the bridge needs, each with a verdict and
 * what to do about it: the codex binary and its version, codex's login (and
 * config), the Convex URL (a deployment serving the host functions, found by
 * calling one), the auth token (accepted by it), the paired device's secret
 * (accepted, revoked or unknown), the outbox file, and free disk space.
 */
import { accessSync, constants, existsSync, statfsSync, statSync } from "node:fs";
import path from "node:path";
import { describeAccount, readCodexAccount } from "../codex/codexAccount.js";
import { NOT_SIGNED_IN_MESSAGE, notSignedIn } from "../codex/codexLogin.js";
import { codexVersion, findCodexBinary } from "../codex/codexBinary.js";
import { Outbox } from "../outbox/outbox.js";
import { checkApiModule, DEFAULT_API_MODULE } from "../push/convexHttpTransport.js";
import { SCHEMA_VERSION } from "../outbox/outboxSchema.js";
import { probeConvex } from "./doctorConvex.js";
import { pairedDevice, probeDevice } from "./doctorDevice.js";

/** Free space below which disk space is a warning, in bytes (1 GiB). */
export const DISK_WARN_BYTES = 1024 * 1024 * 1024;

/** Free space below which disk space is a failure, in bytes (100 MiB). */
export const DISK_FAIL_BYTES = 100 * 1024 * 1024;

/** A check's verdict. */
export type CheckStatus = "ok" | "warn" | "fail";

/** One check. */
export type Check = { name: string; status: CheckStatus; detail: string };

/** Inputs of {@link runDoctor}. */
export type DoctorOptions = {
  codexBin?: string;
  convexUrl?: string;
  authToken?: string;
  /** The host's API module exporting the bridge's wrappers (`--api`); default `codex`. */
  api?: string;
  /** The working directory (`--cwd`): codex works there; it must exist. */
  cwd?: string;
  /** The outbox file to check (it need not exist yet). */
  outboxPath: string;
  /** The device credentials file; default `$XDG_CONFIG_HOME/codex-convex/devices.json`. */
  credentialsFile?: string;
  env?: NodeJS.ProcessEnv;
};

/** Runs every check; never throws (a check that throws fails with the message). */
export async function runDoctor(options: DoctorOptions): Promise<Check[]> {
  const device = options.authToken ? null : pairedDevice(options.convexUrl, options.credentialsFile);
  const convex = probeConvex({ url: options.convexUrl, authToken: options.authToken, api: options.api, pairedDevice: device?.name });
  return Promise.all([
    check("codex binary", () => checkCodex(options)),
    check("codex login", () => checkLogin(options)),
    check("working directory", async () => checkCwd(options.cwd)),
    check("Convex URL", async () => (await convex).deployment),
    check("auth token", async () => (await convex).token),
    check("paired device", () =>
      probeDevice({ url: options.convexUrl, authToken: options.authToken, api: options.api, credentialsFile: options.credentialsFile }),
    ),
    check("host API module", async () => checkApi(options.api)),
    check("outbox", async () => checkOutbox(options.outboxPath, options.cwd)),
    check("disk space", async () => checkDisk(options.outboxPath)),
  ]);
}

async function check(name: string, run: () => Promise<Omit<Check, "name">>): Promise<Check> {
  try {
    return { name, ...(await run()) };
  } catch (error) {
    return { name, status: "fail", detail: (error as Error).message };
  }
}

async function checkCodex(options: DoctorOptions): Promise<Omit<Check, "name">> {
  const binary = findCodexBinary({ explicit: options.codexBin, env: options.env });
  const version = await codexVersion(binary.path);
  return { status: "ok", detail: `${version} at ${binary.path} (from ${binary.source})` };
}

async function checkLogin(options: DoctorOptions): Promise<Omit<Check, "name">> {
  let binary: string;
  try {
    binary = findCodexBinary({ explicit: options.codexBin, env: options.env }).path;
  } catch {
    return { status: "warn", detail: "not checked: no codex binary" };
  }
  const cwd = options.cwd !== undefined && isDirectory(options.cwd) ? options.cwd : undefined;
  const answer = await readCodexAccount({ binaryPath: binary, env: options.env, cwd });
  if (notSignedIn(answer)) return { status: "fail", detail: NOT_SIGNED_IN_MESSAGE };
  return { status: "ok", detail: describeAccount(answer) };
}

function checkCwd(cwd: string | undefined): Omit<Check, "name"> {
  if (cwd === undefined) return { status: "ok", detail: `${process.cwd()} (the current directory)` };
  if (!existsSync(cwd)) return { status: "fail", detail: `${cwd} does not exist: pass --cwd an existing folder (run and bridge refuse a missing one)` };
  if (!isDirectory(cwd)) return { status: "fail", detail: `${cwd} is not a directory: pass --cwd a folder` };
  try {
    accessSync(cwd, constants.W_OK);
  } catch {
    return { status: "warn", detail: `${cwd} exists but is not writable: codex cannot change files there` };
  }
  return { status: "ok", detail: `${cwd} exists and is writable` };
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function checkApi(api: string | undefined): Omit<Check, "name"> {
  const module = checkApiModule(api ?? DEFAULT_API_MODULE);
  return { status: "ok", detail: `the bridge calls ${module}:ensureSession and ${module}:ingestSafe (convex/${module}.ts of the host app)` };
}

function checkOutbox(file: string, cwd: string | undefined): Omit<Check, "name"> {
  if (!existsSync(file) && cwd !== undefined && !isDirectory(cwd) && !path.relative(cwd, file).startsWith("..")) {
    return { status: "warn", detail: `not checked: ${file} would be under the missing working directory ${cwd}` };
  }
  if (!existsSync(file)) {
    const dir = nearestExisting(path.dirname(file));
    accessSync(dir, constants.W_OK);
    return { status: "ok", detail: `${file} does not exist yet; it will be created (${dir} is writable)` };
  }
  const outbox = Outbox.open(file);
  try {
    const integrity = outbox.quickCheck();
    const stats = outbox.stats();
    const pending = stats.reduce((sum, s) => sum + s.pendingEvents, 0);
    if (integrity !== "ok") return { status: "fail", detail: `${file}: SQLite quick_check found: ${integrity}` };
    return {
      status: "ok",
      detail: `${file}: schema ${SCHEMA_VERSION}, integrity ok, ${stats.length} session(s), ${pending} event(s) not yet acknowledged`,
    };
  } finally {
    outbox.close();
  }
}

function checkDisk(file: string): Omit<Check, "name"> {
  const dir = nearestExisting(path.dirname(file));
  const fs = statfsSync(dir);
  const free = fs.bavail * fs.bsize;
  const text = `${(free / 1024 / 1024 / 1024).toFixed(1)} GiB free at ${dir}`;
  if (free < DISK_FAIL_BYTES) return { status: "fail", detail: `${text}; the outbox needs room to store what codex prints` };
  if (free < DISK_WARN_BYTES) return { status: "warn", detail: `${text}; less than 1 GiB` };
  return { status: "ok", detail: text };
}

function nearestExisting(dir: string): string {
  let current = path.resolve(dir);
  while (!existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}
