/**
 * Issue 11, the CLI's side: `--flush-timeout` is a stall timeout. A bridge
 * whose deployment never acknowledges exits 1 once the timeout passed with no
 * progress; the same outbox, with the deployment back, drains and exits 0.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { Outbox } from "../../src/bridge/outbox/outbox.js";
import { createConvexApp } from "../stand-ins/convexApp.js";
import { startConvexHttpStandIn, type ConvexHttpStandIn } from "../stand-ins/convexHttpStandIn.js";
import { REPO_ROOT, runCli } from "../support/cli.js";

let work: string;
let convex: ConvexHttpStandIn;

beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "codex-convex-flush-"));
  convex = await startConvexHttpStandIn(createConvexApp());
});

afterEach(async () => {
  await convex.close();
  await rm(work, { recursive: true, force: true });
});

/** An outbox holding the codex lines of a recorded turn, not yet pushed. */
function leftover(file: string): number {
  const lines = readFileSync(path.join(REPO_ROOT, "test/fixtures/transcripts/text-turn.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as { dir: string; line: string })
    .map((l) => ({ origin: l.dir === "in" ? ("codex" as const) : ("bridge" as const), line: l.line }));
  const outbox = Outbox.open(file);
  outbox.append(outbox.createSession(), lines);
  outbox.close();
  return lines.length;
}

type Summary = { drained: boolean; sessions: Array<{ ackedSeq: number; lastSeq: number }> };

describe("--flush-timeout", () => {
  test("a stalled deployment ends the flush with exit 1 after the timeout; a live one drains with exit 0", async () => {
    const outbox = path.join(work, "outbox.sqlite");
    const events = leftover(outbox);
    const args = (stallMs: number) => ["bridge", "--outbox", outbox, "--cwd", work, "--flush-timeout", String(stallMs), "--json"];
    const env = { ...process.env, CONVEX_URL: convex.url, CODEX_CONVEX_AUTH_TOKEN: "alice" };

    convex.setUnreachable(true);
    const stalled = await runCli(args(500), env);
    expect(stalled.code).toBe(1);
    expect(JSON.parse(stalled.stdout)).toMatchObject({ drained: false, sessions: [{ ackedSeq: 0, lastSeq: events }] });

    convex.setUnreachable(false);
    const live = await runCli(args(30_000), env); // ends as soon as Convex acknowledged everything
    expect(live.stderr).not.toMatch(/unexpected error/);
    expect(live.code).toBe(0);
    const summary = JSON.parse(live.stdout) as Summary;
    expect(summary).toMatchObject({ drained: true, sessions: [{ ackedSeq: events, lastSeq: events }] });
  });
});
