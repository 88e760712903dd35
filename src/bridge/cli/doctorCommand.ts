/** `codex-convex doctor`: checks the setup and says what to fix. */
import path from "node:path";
import { runDoctor, type Check } from "./doctor.js";
import { outboxPath } from "./options.js";

/** Parsed options of `doctor`. */
export type DoctorCommandOptions = {
  cwd: string;
  outbox?: string;
  convexUrl?: string;
  authToken?: string;
  /** The host's API module (`--api`). */
  api?: string;
  codexBin?: string;
  json: boolean;
};

const MARK: Record<Check["status"], string> = { ok: "ok  ", warn: "warn", fail: "FAIL" };

/** The checks as lines. */
export function formatChecks(checks: Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  return checks.map((c) => `${MARK[c.status]}  ${c.name.padEnd(width)}  ${c.detail}`).join("\n");
}

/** Runs the checks and prints them; exit code 1 when any failed (a missing `--cwd` is a failed check, not a usage error). */
export async function doctorCommand(options: DoctorCommandOptions): Promise<void> {
  const checks = await runDoctor({
    codexBin: options.codexBin,
    convexUrl: options.convexUrl,
    authToken: options.authToken,
    api: options.api,
    cwd: path.resolve(options.cwd),
    outboxPath: outboxPath(options),
  });
  const ok = checks.every((c) => c.status !== "fail");
  process.stdout.write(options.json ? `${JSON.stringify({ ok, checks })}\n` : `${formatChecks(checks)}\n`);
  if (!ok) process.exitCode = 1;
}
