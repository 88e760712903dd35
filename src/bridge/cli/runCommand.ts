/** `codex-convex run`: one turn, pushed to a real Convex deployment. */
import path from "node:path";
import { ConvexHttpTransport } from "../convexHttpTransport.js";
import { BridgeError } from "../errors.js";
import type { OutboxSynchronous } from "../outbox.js";
import { run, type RunSummary } from "../run.js";

/** Parsed options of `run` (see `--help`). */
export type RunCommandOptions = {
  cwd: string;
  convexUrl?: string;
  authToken?: string;
  outbox?: string;
  codexBin?: string;
  synchronous: OutboxSynchronous;
  json: boolean;
};

/** Human-readable lines of a summary. */
export function formatSummary(summary: RunSummary): string {
  return [
    `thread ${summary.threadId}, turn ${summary.turnId}: ${summary.status}${summary.error ? ` (${summary.error})` : ""}`,
    `events ${summary.events} stored, ${summary.acked} acknowledged in ${summary.pushes} pushes` +
      (summary.drained ? "" : " (not all pushed yet: they stay in the outbox for the next run)"),
    `turn ${summary.turnMs} ms, run ${summary.durationMs} ms (codex ${summary.codexVersion})`,
  ].join("\n");
}

/**
 * Runs one turn and prints its summary; exit code 1 when the turn did not
 * complete or not every event reached Convex.
 * @throws BridgeError INVALID_ARGUMENT when no Convex URL is given; any error of `run`.
 */
export async function runCommand(prompt: string, options: RunCommandOptions): Promise<void> {
  if (!options.convexUrl) {
    throw new BridgeError(
      "INVALID_ARGUMENT",
      "No Convex deployment: pass --convex-url or set CONVEX_URL (see `npx convex dev`). " +
        "To try everything offline, run `npm run demo` in the codex-convex repository.",
    );
  }
  const cwd = path.resolve(options.cwd);
  const summary = await run({
    prompt,
    cwd,
    transport: new ConvexHttpTransport({ url: options.convexUrl, authToken: options.authToken }),
    outboxPath: options.outbox ?? path.join(cwd, ".codex-convex", "outbox.sqlite"),
    synchronous: options.synchronous,
    codexBin: options.codexBin,
  });
  process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
  if (summary.status !== "completed" || !summary.drained) process.exitCode = 1;
}
