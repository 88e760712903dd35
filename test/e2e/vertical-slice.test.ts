/**
 * End to end with the real `codex app-server` binary against the scripted
 * model: a turn streamed store-first through the outbox into the component,
 * then read back with messages.list. The Convex side is the local stand-in.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { api } from "../../example/convex/_generated/api.js";
import { run } from "../../src/bridge/jobs/run.js";
import type { StreamDelta } from "../../src/shared/validators.js";
import { makeCodexHome, type CodexHome } from "../stand-ins/codex-home.js";
import { createConvexApp, runInCodex, type ConvexApp } from "../stand-ins/convexApp.js";
import { startConvexHttpStandIn, type ConvexHttpStandIn } from "../stand-ins/convexHttpStandIn.js";
import { ConvexTestTransport, LOCAL_USER } from "../stand-ins/convexTestTransport.js";
import { startScriptedModel, type ScriptedModel } from "../stand-ins/model-server.js";
import { runCli } from "../support/cli.js";

const ANSWER = "Streaming works: every delta is stored first, pushed once, and read back byte for byte. ✓";
const CHUNKS = 9;

let model: ScriptedModel;
let home: CodexHome;
let work: string;
let t: ConvexApp;

beforeEach(async () => {
  model = await startScriptedModel({ script: [[{ type: "message", text: ANSWER, chunks: CHUNKS }]] });
  home = await makeCodexHome({ modelUrl: model.url });
  work = await mkdtemp(path.join(os.tmpdir(), "codex-convex-e2e-"));
  t = createConvexApp();
});

afterEach(async () => {
  await model.close();
  await home.cleanup();
  await rm(work, { recursive: true, force: true });
});

async function deltasFromZero(user: ReturnType<ConvexApp["withIdentity"]>, threadId: string): Promise<StreamDelta[]> {
  const listed = await runInCodex(t, (ctx) =>
    ctx.db.query("streams").collect().then((all) => all.filter((s) => s.threadId === threadId)),
  );
  const stream = listed.find((s) => s.kind === "agentText");
  expect(stream).toBeDefined();
  const result = await user.query(api.codex.listMessages, {
    threadId,
    paginationOpts: { numItems: 0, cursor: null },
    streamArgs: { kind: "deltas", cursors: [{ streamId: stream!._id, cursor: 0 }] },
  });
  return result.streams?.kind === "deltas" ? result.streams.deltas : [];
}

describe("real codex app-server → outbox → component → messages.list", () => {
  test("a streamed agent message is stored once, byte-exact, and its deltas rebuild it", async () => {
    const outboxPath = path.join(work, "outbox.sqlite");
    const summary = await run({
      prompt: "Say something about streaming.",
      cwd: work,
      transport: new ConvexTestTransport(t),
      outboxPath,
      codexEnv: home.env,
    });
    expect(summary).toMatchObject({ status: "completed", drained: true });
    expect(summary.acked).toBe(summary.events);

    const user = t.withIdentity(LOCAL_USER);
    const page = await user.query(api.codex.listMessages, {
      threadId: summary.threadId,
      order: "asc",
      paginationOpts: { numItems: 50, cursor: null },
    });
    const agent = page.page.filter((m) => m.kind === "agentMessage");
    expect(agent).toHaveLength(1);
    expect(agent[0]).toMatchObject({ status: "completed", text: ANSWER });
    expect(page.page.map((m) => m.kind)).toEqual(["userMessage", "agentMessage"]);

    const deltas = await deltasFromZero(user, summary.threadId);
    // Stored as one chunk per stream per ingest batch: contiguous ranges from 0 covering every delta event (≥ 5).
    expect(deltas.length).toBeGreaterThanOrEqual(1);
    expect(deltas.map((d) => d.text).join("")).toBe(ANSWER);
    expect(deltas.map((d) => d.start)).toEqual([0, ...deltas.slice(0, -1).map((d) => d.end)]);
    expect(deltas.at(-1)!.end).toBeGreaterThanOrEqual(5);

    // Every outbox row was acknowledged and pruned; the session row keeps the numbering.
    const db = new Database(outboxPath, { readonly: true });
    try {
      const rows = db.prepare("SELECT COUNT(*) AS n FROM events WHERE acked = 0").get() as { n: number };
      expect(rows.n).toBe(0);
    } finally {
      db.close();
    }
    // codex starts the thread with an empty preview; the first user message becomes it.
    const thread = await user.query(api.codex.getThread, { threadId: summary.threadId });
    expect(thread).toMatchObject({ preview: "Say something about streaming.", cwd: work });
    const turns = await user.query(api.codex.listTurns, { threadId: summary.threadId });
    expect(turns).toEqual([expect.objectContaining({ turnId: summary.turnId, status: "completed" })]);
  });

  describe("the CLI as a real process, through ConvexHttpClient", () => {
    let convex: ConvexHttpStandIn;
    beforeEach(async () => {
      convex = await startConvexHttpStandIn(t);
    });
    afterEach(async () => {
      await convex.close();
    });

    test("`codex-convex run` pushes the turn to the deployment and prints a JSON summary", async () => {
      const result = await runCli(["run", "Say something about streaming.", "--cwd", work, "--json"], {
        ...home.env,
        CONVEX_URL: convex.url,
        CODEX_CONVEX_AUTH_TOKEN: "alice",
      });
      expect(result.stderr).not.toMatch(/unexpected error/);
      expect(result.code).toBe(0);
      const summary = JSON.parse(result.stdout) as { threadId: string; status: string; events: number; acked: number; answer: string };
      expect(summary).toMatchObject({ status: "completed", answer: ANSWER });
      expect(summary.acked).toBe(summary.events);
      expect(convex.calls.mutation).toBeGreaterThanOrEqual(2);

      const alice = t.withIdentity({ subject: "alice", tokenIdentifier: "local|alice" });
      const page = await alice.query(api.codex.listMessages, {
        threadId: summary.threadId,
        paginationOpts: { numItems: 10, cursor: null },
      });
      expect(page.page.find((m) => m.kind === "agentMessage")?.text).toBe(ANSWER);
    });

    test("a missing codex binary gives a clear error and exit code 2", async () => {
      const result = await runCli(["run", "hi", "--cwd", work, "--codex-bin", path.join(work, "no-codex")], {
        ...home.env,
        CONVEX_URL: convex.url,
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/CODEX_BINARY_NOT_FOUND/);
      expect(result.stderr).toMatch(/--codex-bin.*CODEX_BIN.*@openai\/codex.*PATH/s);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });
  });
});
