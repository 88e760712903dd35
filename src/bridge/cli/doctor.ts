/**
 * `codex-convex doctor`: checks what the bridge needs, each with a verdict and
 * what to do about it: the codex binary and its version, the Convex URL (and
 * whether it answers), the auth token, the outbox file, and free disk space.
 */
import { accessSync, constants, existsSync, statfsSync } from "node:fs";
import path from "node:path";
import { codexVersion, findCodexBinary } from "../codex/codexBinary.js";
import { Outbox } from "../outbox/outbox.js";
import { checkApiModule, DEFAULT_API_MODULE } from "../push/convexHttpTransport.js";
import { SCHEMA_VERSION } from "../outbox/outboxSchema.js";

/** How long the Convex URL gets to answer, in ms. */
export const DOCTOR_HTTP_TIMEOUT_MS = 5_000;

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
  /** The outbox file to check (it need not exist yet). */
  outboxPath: string;
  env?: NodeJS.ProcessEnv;
};

/** Runs every check; never throws (a check that throws fails with the message). */
export async function runDoctor(options: DoctorOptions): Promise<Check[]> {
  return Promise.all([
    check("codex binary", () => checkCodex(options)),
    check("Convex URL", () => checkConvex(options.convexUrl)),
    check("auth token", async () =>
      options.authToken
        ? { status: "ok", detail: `set (${options.authToken.length} characters)` }
        : { status: "warn", detail: "not set: pass --auth-token or CODEX_CONVEX_AUTH_TOKEN unless the host app needs no auth" },
    ),
    check("host API module", async () => checkApi(options.api)),
    check("outbox", async () => checkOutbox(options.outboxPath)),
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

async function checkConvex(url: string | undefined): Promise<Omit<Check, "name">> {
  if (!url) return { status: "fail", detail: "not set: pass --convex-url or set CONVEX_URL" };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { status: "fail", detail: `${url} is not a URL` };
  }
  const started = Date.now();
  try {
    const response = await fetch(parsed, { signal: AbortSignal.timeout(DOCTOR_HTTP_TIMEOUT_MS) });
    await response.body?.cancel();
    return { status: "ok", detail: `${url} answered HTTP ${response.status} in ${Date.now() - started} ms` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { status: "fail", detail: `${url} did not answer: ${cause ?? (error as Error).message}. Check the URL and the network.` };
  }
}

function checkApi(api: string | undefined): Omit<Check, "name"> {
  const module = checkApiModule(api ?? DEFAULT_API_MODULE);
  return { status: "ok", detail: `the bridge calls ${module}:ensureSession and ${module}:ingestSafe (convex/${module}.ts of the host app)` };
}

function checkOutbox(file: string): Omit<Check, "name"> {
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
