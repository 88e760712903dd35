/**
 * Issue 7 item 5: a session's owner is a process incarnation (pid + start
 * time), not a pid, and "drained" covers every session of the outbox.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { IngestResult, SessionState } from "../../shared/validators.js";
import { Outbox } from "../outbox/outbox.js";
import { processToken } from "../outbox/processIdentity.js";
import type { EnsureSessionArgs, IngestArgs, IngestTransport } from "../push/transport.js";
import { Bridge } from "./bridge.js";

/** Acknowledges every batch in full. */
class AckAll implements IngestTransport {
  readonly seqs = new Map<string, number[]>();
  async ensureSession(args: EnsureSessionArgs): Promise<SessionState> {
    const seen = this.seqs.get(args.sessionId) ?? [];
    return { sessionId: args.sessionId, ackedSeq: seen.at(-1) ?? 0, created: seen.length === 0 };
  }
  async ingestSafe(args: IngestArgs): Promise<IngestResult> {
    const seen = this.seqs.get(args.sessionId) ?? [];
    for (const event of args.events) if (event.seq > (seen.at(-1) ?? 0)) seen.push(event.seq);
    this.seqs.set(args.sessionId, seen);
    return { ackedSeq: seen.at(-1) ?? 0, applied: args.events.length, duplicates: 0, gap: null };
  }
}

const EVENTS = 180;

let dir: string;
let path: string;
let sleeper: ChildProcess;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "ownership-test-"));
  path = join(dir, "outbox.sqlite");
  sleeper = spawn("sleep", ["60"], { stdio: "ignore" });
  await once(sleeper, "spawn");
});

afterEach(async () => {
  if (sleeper.exitCode === null && sleeper.signalCode === null) {
    sleeper.kill("SIGKILL");
    await once(sleeper, "exit");
  }
  rmSync(dir, { recursive: true, force: true });
});

/** An outbox with one session of {@link EVENTS} unpushed events, recorded as owned by `pid`. */
function leftover(pid: number, ownerToken: string | null): string {
  const outbox = Outbox.open(path);
  const sessionId = outbox.createSession({}, { jobId: "old-job" });
  outbox.append(sessionId, Array.from({ length: EVENTS }, (_, n) => ({ origin: "codex" as const, line: `{"n":${n}}` })));
  outbox.close();
  const db = new Database(path);
  db.prepare("UPDATE sessions SET owner_pid = ?, owner_token = ? WHERE session_id = ?").run(pid, ownerToken, sessionId);
  db.close();
  return sessionId;
}

async function runBridge(transport: IngestTransport) {
  const outbox = Outbox.open(path);
  try {
    return await new Bridge({ outbox, transport, binaryPath: "/nonexistent/codex", jobs: [], flushTimeoutMs: 10_000 }).run();
  } finally {
    outbox.close();
  }
}

describe("session ownership", () => {
  it("reads a start-time token of a live process, and none for a gone one", async () => {
    const pid = sleeper.pid!;
    const token = processToken(pid);
    expect(token).toEqual(expect.any(String));
    expect(processToken(pid)).toBe(token);
    expect(processToken(process.pid)).not.toBe(token);
    sleeper.kill("SIGKILL");
    await once(sleeper, "exit");
    expect(processToken(pid)).toBeNull();
  });

  it("adopts and drains a session whose owner's pid now belongs to an unrelated live process", async () => {
    const sessionId = leftover(sleeper.pid!, "linux:another-boot:12345");
    const transport = new AckAll();
    const summary = await runBridge(transport);
    expect(summary.sessions.map((s) => s.sessionId)).toEqual([sessionId]);
    expect(summary).toMatchObject({ drained: true, leftBehind: [] });
    expect(transport.seqs.get(sessionId)).toHaveLength(EVENTS);
  });

  it("leaves a session of a live owner alone, and then does not call the outbox drained", async () => {
    const sessionId = leftover(sleeper.pid!, processToken(sleeper.pid!));
    const transport = new AckAll();
    const summary = await runBridge(transport);
    expect(summary.sessions).toEqual([]);
    expect(summary.drained).toBe(false);
    expect(summary.leftBehind).toEqual([{ sessionId, jobId: "old-job", pendingEvents: EVENTS, ownerPid: sleeper.pid }]);
    expect(transport.seqs.size).toBe(0);
  });

  it("still honours an owner recorded by an older bridge without a token (pid only)", async () => {
    leftover(sleeper.pid!, null);
    const summary = await runBridge(new AckAll());
    expect(summary).toMatchObject({ drained: false, sessions: [] });
    expect(summary.leftBehind).toHaveLength(1);
  });

  it("claims a session whose owner died", async () => {
    const pid = sleeper.pid!;
    const token = processToken(pid);
    sleeper.kill("SIGKILL");
    await once(sleeper, "exit");
    leftover(pid, token);
    const summary = await runBridge(new AckAll());
    expect(summary).toMatchObject({ drained: true });
    expect(summary.sessions[0]?.ackedSeq).toBe(EVENTS);
  });
});
