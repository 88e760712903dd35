/**
 * Issue 7 item 4, end to end: a bridge whose token the deployment refuses
 * (HTTP 401, as for an expired JWT) stops syncing visibly, even with
 * `--keep-alive`: it says so with the code and what to do, exits 3, keeps
 * the outbox intact, and `status` shows the stop; started again with a good
 * token it pushes what was kept.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { EXIT_PUSH_STOPPED } from "../../src/bridge/cli/output.js";
import { makeCodexHome, type CodexHome } from "../stand-ins/codex-home.js";
import { createConvexApp, type ConvexApp } from "../stand-ins/convexApp.js";
import { startConvexHttpStandIn, type ConvexHttpStandIn } from "../stand-ins/convexHttpStandIn.js";
import { identityFromToken } from "../stand-ins/convexStandIn/standInAuth.js";
import { startScriptedModel, type ScriptedModel } from "../stand-ins/model-server.js";
import { runCli } from "../support/cli.js";

const EXPIRED = "expired-token";

let model: ScriptedModel;
let home: CodexHome;
let work: string;
let t: ConvexApp;
let convex: ConvexHttpStandIn;

beforeEach(async () => {
  model = await startScriptedModel({ script: [[{ type: "message", text: "Hello.", chunks: 2 }]] });
  home = await makeCodexHome({ modelUrl: model.url });
  work = await mkdtemp(path.join(os.tmpdir(), "codex-convex-permanent-"));
  t = createConvexApp();
  convex = await startConvexHttpStandIn(t, {
    verifyToken: (token) => (token === EXPIRED ? null : identityFromToken(token)),
  });
});

afterEach(async () => {
  await convex.close();
  await model.close();
  await home.cleanup();
  await rm(work, { recursive: true, force: true });
});

type StatusJson = { totals: { sessionsStopped: number }; sessions: Array<{ sessionId: string; pendingEvents: number; lastSeq: number; storedEvents: number; pushStopped: string | null }> };

describe("a refused token", () => {
  test("stops a --keep-alive bridge with exit 3, the code and what to do; the outbox is kept and pushed later", async () => {
    const env = { ...home.env, CONVEX_URL: convex.url };
    const outbox = path.join(work, "outbox.sqlite");
    const refused = await runCli(
      ["bridge", "--keep-alive", "--prompt", "Say hello.", "--job-id", "j1", "--cwd", work, "--outbox", outbox, "--codex-process", "per-job"], // one session: the job's
      { ...env, CODEX_CONVEX_AUTH_TOKEN: EXPIRED },
      90_000,
    );
    expect(refused.signal).toBeNull(); // it ended by itself, not killed by the test's timeout
    expect(refused.code).toBe(EXIT_PUSH_STOPPED);
    expect(refused.stderr).toMatch(/pushing stopped: \[UNAUTHENTICATED\]/);
    expect(refused.stderr).toMatch(/What to do: .*--auth-token/);
    expect(refused.stdout).toMatch(/pushing STOPPED on UNAUTHENTICATED/);

    const status = await runCli(["status", "--json", "--outbox", outbox], env);
    expect(status.code).toBe(1);
    const parsed = JSON.parse(status.stdout) as StatusJson;
    expect(parsed.totals.sessionsStopped).toBe(1);
    const sessions = parsed.sessions;
    expect(sessions).toHaveLength(1);
    const [session] = sessions;
    expect(session).toMatchObject({ pushStopped: "UNAUTHENTICATED" });
    expect(session!.lastSeq).toBeGreaterThan(0);
    expect(session!.pendingEvents).toBe(session!.lastSeq); // nothing acknowledged, nothing dropped
    expect(session!.storedEvents).toBe(session!.lastSeq);
    const text = await runCli(["status", "--outbox", outbox], env);
    expect(text.stdout).toMatch(/STOPPED/);
    expect(text.stdout).toMatch(/pushing stopped on UNAUTHENTICATED; what to do: .*--auth-token/);

    const fixed = await runCli(["bridge", "--prompt", "Say hello.", "--job-id", "j1", "--cwd", work, "--outbox", outbox, "--json", "--codex-process", "per-job"], {
      ...env,
      CODEX_CONVEX_AUTH_TOKEN: "alice",
    });
    expect(fixed.stderr).not.toMatch(/unexpected error/);
    expect(fixed.code).toBe(0);
    const after = (JSON.parse((await runCli(["status", "--json", "--outbox", outbox], env)).stdout) as StatusJson).sessions;
    expect(after[0]).toMatchObject({ pendingEvents: 0, pushStopped: null });
  });

  test("stops `run` at once with exit 3 and says what to do", async () => {
    const result = await runCli(["run", "Say hello.", "--cwd", work, "--outbox", path.join(work, "run.sqlite")], {
      ...home.env,
      CONVEX_URL: convex.url,
      CODEX_CONVEX_AUTH_TOKEN: EXPIRED,
    });
    expect(result.code).toBe(EXIT_PUSH_STOPPED);
    expect(result.stdout).toMatch(/pushing STOPPED on UNAUTHENTICATED: .*What to do: .*--auth-token/);
  });
});
