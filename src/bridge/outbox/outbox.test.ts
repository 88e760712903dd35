import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isBridgeError } from "../errors.js";
import { EVENT_OVERHEAD_BYTES, Outbox, SCHEMA_VERSION, type AppendItem } from "./outbox.js";
import { MAX_PUSHED_LINE_BYTES, TRUNCATION_KEY } from "../push/oversize.js";

let dir: string;
let path: string;
const open: Outbox[] = [];

function openOutbox(options?: Parameters<typeof Outbox.open>[1]): Outbox {
  const outbox = Outbox.open(path, options);
  open.push(outbox);
  return outbox;
}

function items(count: number, from = 0): AppendItem[] {
  return Array.from({ length: count }, (_, i) => ({ origin: "codex" as const, line: JSON.stringify({ method: "n", params: { n: from + i } }) }));
}

function expectBridgeError(fn: () => unknown, code: Parameters<typeof isBridgeError>[1]): void {
  try {
    fn();
  } catch (error) {
    expect(isBridgeError(error, code), String(error)).toBe(true);
    return;
  }
  throw new Error(`expected BridgeError ${code}`);
}

/** True when `text` holds a UTF-16 surrogate without its partner. */

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "outbox-test-"));
  path = join(dir, "nested", "outbox.db");
});

afterEach(() => {
  for (const outbox of open.splice(0)) outbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("Outbox.open", () => {
  it("creates the file, its directory and the versioned schema in WAL mode", () => {
    openOutbox().close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(["events", "sessions"]);
    db.close();
  });

  it("accepts FULL durability and rejects bad options", () => {
    openOutbox({ synchronous: "FULL" });
    expectBridgeError(() => Outbox.open(join(dir, "b.db"), { synchronous: "OFF" as "FULL" }), "INVALID_ARGUMENT");
    expectBridgeError(() => Outbox.open(join(dir, "c.db"), { maxPendingBytes: 0 }), "INVALID_ARGUMENT");
  });

  it("refuses a file that is not an outbox", () => {
    const notDb = join(dir, "garbage.db");
    writeFileSync(notDb, "this is not sqlite at all, just text padding ".repeat(200));
    expectBridgeError(() => Outbox.open(notDb), "OUTBOX_CORRUPT");

    const otherApp = join(dir, "other.db");
    const db = new Database(otherApp);
    db.exec("CREATE TABLE things (x)");
    db.close();
    expectBridgeError(() => Outbox.open(otherApp), "OUTBOX_CORRUPT");
  });

  it("refuses a schema newer than it knows", () => {
    openOutbox().close();
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expectBridgeError(() => Outbox.open(path), "OUTBOX_CORRUPT");
  });
});

describe("sessions", () => {
  it("creates, lists, updates meta and state", () => {
    const outbox = openOutbox();
    const a = outbox.createSession({ cwd: "/repo", codexVersion: "0.169.0" });
    const b = outbox.createSession();
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(outbox.sessions().map((s) => s.sessionId).sort()).toEqual([a, b].sort());
    expect(outbox.session(a)).toMatchObject({ state: "open", lastSeq: 0, ackedSeq: 0, meta: { cwd: "/repo" } });

    expect(outbox.updateSessionMeta(a, { threadId: "thr_1", cwd: undefined })).toEqual({ codexVersion: "0.169.0", threadId: "thr_1" });
    outbox.setSessionState(a, "closed");
    expect(outbox.session(a)).toMatchObject({ state: "closed", meta: { threadId: "thr_1", codexVersion: "0.169.0" } });
  });

  it("reports unknown sessions", () => {
    const outbox = openOutbox();
    expectBridgeError(() => outbox.session("nope"), "INVALID_ARGUMENT");
    expectBridgeError(() => outbox.append("nope", items(1)), "INVALID_ARGUMENT");
    expectBridgeError(() => outbox.pending("nope", { maxEvents: 1, maxBytes: 1, afterSeq: 0 }), "INVALID_ARGUMENT");
    expectBridgeError(() => outbox.setSessionState("nope", "closed"), "INVALID_ARGUMENT");
  });
});

describe("append", () => {
  it("assigns contiguous seqs per session, in call order", () => {
    const outbox = openOutbox();
    const a = outbox.createSession();
    const b = outbox.createSession();
    expect(outbox.append(a, items(3))).toEqual([1, 2, 3]);
    expect(outbox.append(b, items(2))).toEqual([1, 2]);
    expect(outbox.append(a, items(1))).toEqual([4]);
    expect(outbox.append(a, [])).toEqual([]);
    const events = outbox.pending(a, { maxEvents: 100, maxBytes: 1e9 });
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(events.map((e) => JSON.parse(e.line).params.n)).toEqual([0, 1, 2, 0]);
  });

  it("stores the line byte-exact with origin and receivedAt", () => {
    const outbox = openOutbox();
    const id = outbox.createSession();
    const line = '{"method":"item/agentMessage/delta","params":{"delta":"héllo 👋 \\n"}}';
    outbox.append(id, [{ origin: "codex", line, receivedAt: 1234 }, { origin: "bridge", line: '{"method":"bridge/exit"}' }]);
    const [first, second] = outbox.pending(id, { maxEvents: 10, maxBytes: 1e6 });
    expect(first).toEqual({ seq: 1, receivedAt: 1234, origin: "codex", line });
    expect(second?.origin).toBe("bridge");
    expect(Math.abs((second?.receivedAt ?? 0) - Date.now())).toBeLessThan(5_000);
  });

  it("rejects malformed items without storing any of the batch", () => {
    const outbox = openOutbox();
    const id = outbox.createSession();
    expectBridgeError(() => outbox.append(id, [...items(2), { origin: "stderr" as "codex", line: "x" }]), "INVALID_ARGUMENT");
    expectBridgeError(() => outbox.append(id, [{ origin: "codex", line: 5 as unknown as string }]), "INVALID_ARGUMENT");
    expectBridgeError(() => outbox.append(id, [{ origin: "codex", line: "x", receivedAt: Number.NaN }]), "INVALID_ARGUMENT");
    expect(outbox.session(id).lastSeq).toBe(0);
    expect(outbox.append(id, items(1))).toEqual([1]);
  });

  it("continues numbering after close and reopen, and after prune", () => {
    let outbox = openOutbox();
    const id = outbox.createSession();
    outbox.append(id, items(5));
    outbox.markAcked(id, 5);
    expect(outbox.prune(id)).toBe(5);
    outbox.close();
    outbox = openOutbox();
    expect(outbox.session(id)).toMatchObject({ lastSeq: 5, ackedSeq: 5 });
    expect(outbox.append(id, items(2))).toEqual([6, 7]);
    expect(outbox.pending(id, { maxEvents: 10, maxBytes: 1e6 }).map((e) => e.seq)).toEqual([6, 7]);
  });

  it("keeps seqs contiguous with two connections appending to one session", () => {
    const first = openOutbox();
    const second = openOutbox();
    const id = first.createSession();
    const seqs: number[] = [];
    for (let i = 0; i < 50; i++) {
      seqs.push(...first.append(id, items(3, i * 10)));
      seqs.push(...second.append(id, items(2, i * 10 + 5)));
    }
    expect(seqs).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    expect(first.session(id).lastSeq).toBe(250);
  });

  it("never leaves half a batch or a seq hole when the process is killed mid-append", async () => {
    const outbox = openOutbox();
    const id = outbox.createSession();
    outbox.close();
    const outboxUrl = pathToFileURL(fileURLToPath(new URL("./outbox.ts", import.meta.url))).href;
    const script = join(dir, "appender.mts");
    writeFileSync(
      script,
      `import { Outbox } from ${JSON.stringify(outboxUrl)};
const outbox = Outbox.open(process.argv[2]);
for (let batch = 0; ; batch++) {
  outbox.append(process.argv[3], Array.from({ length: 10 }, (_, k) => ({ origin: "codex", line: JSON.stringify({ n: batch * 10 + k }) })));
  if (batch === 100) process.stdout.write("busy\\n");
}
`,
    );
    const child = spawn(process.execPath, ["--import", "tsx", script, path, id], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      stdio: ["ignore", "pipe", "inherit"],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("busy")) resolve();
      });
      child.on("exit", (code) => reject(new Error(`appender exited early with ${code}`)));
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGKILL");
    await exited;

    const reopened = openOutbox();
    const { lastSeq } = reopened.session(id);
    expect(lastSeq).toBeGreaterThan(1_000);
    expect(lastSeq % 10).toBe(0);
    const events = reopened.pending(id, { maxEvents: lastSeq + 10, maxBytes: 1e12 });
    expect(events).toHaveLength(lastSeq);
    events.forEach((event, index) => {
      expect(event.seq).toBe(index + 1);
      expect(JSON.parse(event.line)).toEqual({ n: index });
    });
    expect(reopened.append(id, items(1))).toEqual([lastSeq + 1]);
  });
});

describe("pending", () => {
  it("honours afterSeq, maxEvents and maxBytes", () => {
    const outbox = openOutbox();
    const id = outbox.createSession();
    outbox.append(id, Array.from({ length: 10 }, () => ({ origin: "codex" as const, line: "x".repeat(100) })));
    const per = 100 + EVENT_OVERHEAD_BYTES;
    expect(outbox.pending(id, { maxEvents: 4, maxBytes: 1e6 }).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(outbox.pending(id, { afterSeq: 7, maxEvents: 10, maxBytes: 1e6 }).map((e) => e.seq)).toEqual([8, 9, 10]);
    expect(outbox.pending(id, { maxEvents: 10, maxBytes: per * 3 }).map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(outbox.pending(id, { maxEvents: 10, maxBytes: per * 3 - 1 }).map((e) => e.seq)).toEqual([1, 2]);
    expect(outbox.pending(id, { afterSeq: 10, maxEvents: 10, maxBytes: 1e6 })).toEqual([]);
    expectBridgeError(() => outbox.pending(id, { maxEvents: 0, maxBytes: 1 }), "INVALID_ARGUMENT");
    expectBridgeError(() => outbox.pending(id, { maxEvents: 1, maxBytes: 0 }), "INVALID_ARGUMENT");
  });

  it("always returns the first event, even when it alone exceeds maxBytes", () => {
    const outbox = openOutbox();
    const id = outbox.createSession();
    outbox.append(id, [{ origin: "codex", line: "y".repeat(10_000) }, ...items(2)]);
    const batch = outbox.pending(id, { maxEvents: 10, maxBytes: 500 });
    expect(batch.map((e) => e.seq)).toEqual([1]);
    expect(batch[0]?.line).toHaveLength(10_000);
  });

  it("starts after the acked seq by default, and can rewind below it", () => {
    const outbox = openOutbox();
    const id = outbox.createSession();
    outbox.append(id, items(6));
    outbox.markAcked(id, 4);
    expect(outbox.pending(id, { maxEvents: 10, maxBytes: 1e6 }).map((e) => e.seq)).toEqual([5, 6]);
    expect(outbox.pending(id, { afterSeq: 2, maxEvents: 10, maxBytes: 1e6 }).map((e) => e.seq)).toEqual([3, 4, 5, 6]);
  });

  it("pushes a line over MAX_PUSHED_LINE_BYTES shrunk, and keeps the original", () => {
    const outbox = openOutbox();
    const id = outbox.createSession();
    const output = "0123456789abcdef\n".repeat(Math.ceil((MAX_PUSHED_LINE_BYTES + 1_000_000) / 17));
    const big = JSON.stringify({
      method: "item/completed",
      params: { threadId: "t", turnId: "u", item: { id: "call_1", type: "commandExecution", aggregatedOutput: output, exitCode: 0 } },
    });
    outbox.append(id, [...items(1), { origin: "codex", line: big }, ...items(1)]);
    const [first, second] = outbox.pending(id, { maxEvents: 10, afterSeq: 1, maxBytes: 4 * 1024 * 1024 });
    expect(first?.seq).toBe(2);
    expect(first?.origin).toBe("codex");
    const shrunk = first?.line ?? "";
    expect(Buffer.byteLength(shrunk)).toBeLessThanOrEqual(MAX_PUSHED_LINE_BYTES);
    const parsed = JSON.parse(shrunk);
    expect(parsed.method).toBe("item/completed");
    expect(parsed.params.item).toMatchObject({ id: "call_1", type: "commandExecution", exitCode: 0 });
    expect(parsed.params.item.aggregatedOutput).toMatch(/^0123456789abcdef\n.*…\[codex-convex: \d+ characters cut\]….*\n$/s);
    expect(parsed[TRUNCATION_KEY]).toEqual({ originalBytes: Buffer.byteLength(big), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(second).toBeUndefined();

    outbox.markAcked(id, 3);
    expect(outbox.prune(id)).toBe(2);
    expect(outbox.line(id, 2)).toBe(big);
    expect(outbox.line(id, 1)).toBeNull();
    expect(outbox.sessionStats(id)).toMatchObject({ pendingEvents: 0, pendingBytes: 0, storedEvents: 1 });
  });
});

describe("markAcked, prune, stats", () => {
  it("acks monotonically and keeps counters right", () => {
    const outbox = openOutbox();
    const id = outbox.createSession();
    outbox.append(id, [
      { origin: "codex", line: "aa", receivedAt: 100 },
      { origin: "codex", line: "bbb", receivedAt: 200 },
      { origin: "codex", line: "cccc", receivedAt: 300 },
    ]);
    const noOwner = { jobId: null, ownerPid: null, ownerAlive: false, lastPushAt: null, lastError: null, lastErrorAt: null, pushStopped: null };
    expect(outbox.sessionStats(id)).toEqual({
      ...noOwner,
      sessionId: id,
      state: "open",
      pendingEvents: 3,
      pendingBytes: 9,
      oldestPendingReceivedAt: 100,
      lastSeq: 3,
      ackedSeq: 0,
      storedEvents: 3,
    });
    expect(outbox.markAcked(id, 2)).toBe(2);
    expect(outbox.markAcked(id, 1)).toBe(0);
    expect(outbox.sessionStats(id)).toMatchObject({ pendingEvents: 1, pendingBytes: 4, oldestPendingReceivedAt: 300, ackedSeq: 2 });
    expect(outbox.prune(id)).toBe(2);
    expect(outbox.sessionStats(id)).toMatchObject({ storedEvents: 1, lastSeq: 3 });
    expect(outbox.markAcked(id, 3)).toBe(1);
    expect(outbox.stats()).toEqual([
      { ...noOwner, sessionId: id, state: "open", pendingEvents: 0, pendingBytes: 0, oldestPendingReceivedAt: null, lastSeq: 3, ackedSeq: 3, storedEvents: 1 },
    ]);
  });

  it("refuses an ack past the last stored seq", () => {
    const outbox = openOutbox();
    const id = outbox.createSession();
    outbox.append(id, items(2));
    expectBridgeError(() => outbox.markAcked(id, 3), "SESSION_MISMATCH");
    expect(outbox.session(id).ackedSeq).toBe(0);
  });
});

describe("OUTBOX_FULL", () => {
  it("refuses a write past maxPendingBytes, stores none of it, and recovers after acks", () => {
    const outbox = openOutbox({ maxPendingBytes: 1_000 });
    const a = outbox.createSession();
    const b = outbox.createSession();
    outbox.append(a, [{ origin: "codex", line: "x".repeat(600) }]);
    outbox.append(b, [{ origin: "codex", line: "x".repeat(300) }]);
    let caught: unknown;
    try {
      outbox.append(a, [{ origin: "codex", line: "ok" }, { origin: "codex", line: "x".repeat(200) }]);
    } catch (error) {
      caught = error;
    }
    expect(isBridgeError(caught, "OUTBOX_FULL")).toBe(true);
    expect((caught as Error).message).toMatch(/900 bytes.*maxPendingBytes/s);
    expect(outbox.session(a).lastSeq).toBe(1);
    outbox.markAcked(a, 1);
    expect(outbox.append(a, [{ origin: "codex", line: "x".repeat(600) }])).toEqual([2]);
  });

  it("counts the cap across reopen", () => {
    let outbox = openOutbox({ maxPendingBytes: 100 });
    const id = outbox.createSession();
    outbox.append(id, [{ origin: "codex", line: "x".repeat(80) }]);
    outbox.close();
    outbox = openOutbox({ maxPendingBytes: 100 });
    expectBridgeError(() => outbox.append(id, [{ origin: "codex", line: "x".repeat(30) }]), "OUTBOX_FULL");
  });
});

describe("schema version 2", () => {
  it("migrates a version 1 file in place, keeping its sessions and events", () => {
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.exec(`
      CREATE TABLE sessions (session_id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'open',
        meta TEXT NOT NULL DEFAULT '{}', last_seq INTEGER NOT NULL DEFAULT 0, acked_seq INTEGER NOT NULL DEFAULT 0,
        pending_bytes INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE events (session_id TEXT NOT NULL, seq INTEGER NOT NULL, received_at INTEGER NOT NULL, origin TEXT NOT NULL,
        bytes INTEGER NOT NULL, acked INTEGER NOT NULL DEFAULT 0, line TEXT NOT NULL, PRIMARY KEY (session_id, seq));
      INSERT INTO sessions VALUES ('old', 1, 'open', '{}', 1, 0, 2);
      INSERT INTO events VALUES ('old', 1, 1, 'codex', 2, 0, 'hi');
    `);
    db.pragma("user_version = 1");
    db.close();
    const outbox = openOutbox();
    expect(outbox.session("old")).toMatchObject({ lastSeq: 1, jobId: null, ownerPid: null, lastPushAt: null });
    expect(outbox.append("old", items(1))).toEqual([2]);
    expect(outbox.pending("old", { maxEvents: 10, maxBytes: 1_000 }).map((e) => e.line)[0]).toBe("hi");
  });
});

describe("ownership, jobs, push records", () => {
  it("lets one live process own a session; a dead owner's session can be claimed", () => {
    const alive = new Set([111, process.pid]);
    const outbox = openOutbox({ processToken: (pid) => (alive.has(pid) ? `start-of-${pid}` : null) });
    const id = outbox.createSession({}, { jobId: "job-1" });
    outbox.claimSession(id, 111);
    expectBridgeError(() => outbox.claimSession(id), "SESSION_LOCKED");
    expect(outbox.sessionStats(id)).toMatchObject({ ownerPid: 111, ownerAlive: true, jobId: "job-1" });
    alive.delete(111);
    outbox.claimSession(id);
    expect(outbox.session(id).ownerPid).toBe(process.pid);
    outbox.releaseSession(id, 111);
    expect(outbox.session(id).ownerPid).toBe(process.pid);
    outbox.releaseSession(id);
    expect(outbox.session(id).ownerPid).toBeNull();
  });

  it("takes a reused pid (same pid, another start time) for a dead owner", () => {
    let startOf111 = "first";
    const outbox = openOutbox({ processToken: (pid) => (pid === 111 ? startOf111 : `start-of-${pid}`) });
    const id = outbox.createSession();
    outbox.claimSession(id, 111);
    expect(outbox.sessionStats(id).ownerAlive).toBe(true);
    expectBridgeError(() => outbox.claimSession(id), "SESSION_LOCKED");
    startOf111 = "second"; // 111 died and an unrelated process got its pid
    expect(outbox.sessionStats(id).ownerAlive).toBe(false);
    outbox.claimSession(id);
    expect(outbox.session(id).ownerPid).toBe(process.pid);
  });

  it("finds the newest session of a job", () => {
    const outbox = openOutbox();
    expect(outbox.sessionOfJob("a")).toBeNull();
    outbox.createSession({}, { jobId: "a" });
    const b = outbox.createSession({ n: 1 }, { jobId: "b" });
    expect(outbox.sessionOfJob("b")?.sessionId).toBe(b);
  });

  it("commits a meta patch in the same transaction as the lines, or not at all", () => {
    const outbox = openOutbox({ maxPendingBytes: 100 });
    const id = outbox.createSession({ cwd: "/w" });
    outbox.append(id, items(1), { meta: { progress: { nextPrompt: 1 } } });
    expect(outbox.session(id).meta).toEqual({ cwd: "/w", progress: { nextPrompt: 1 } });
    expectBridgeError(() => outbox.append(id, [{ origin: "codex", line: "x".repeat(200) }], { meta: { progress: null } }), "OUTBOX_FULL");
    expect(outbox.session(id).meta.progress).toEqual({ nextPrompt: 1 });
    expect(outbox.append(id, [], { meta: { threadId: "t" } })).toEqual([]);
    expect(outbox.session(id).meta.threadId).toBe("t");
  });

  it("stores a bridge record past the cap when told to", () => {
    const outbox = openOutbox({ maxPendingBytes: 10 });
    const id = outbox.createSession();
    expect(outbox.append(id, [{ origin: "bridge", line: "x".repeat(50) }], { ignoreCap: true })).toEqual([1]);
    expect(outbox.pendingBytesTotal()).toBe(50);
  });

  it("records the last push and the last push error", () => {
    const outbox = openOutbox();
    const id = outbox.createSession();
    outbox.append(id, items(2));
    outbox.recordPushError(id, "boom", 5);
    outbox.markAcked(id, 1, 7);
    outbox.markAcked(id, 1, 9);
    expect(outbox.session(id)).toMatchObject({ lastPushAt: 9, lastError: "boom", lastErrorAt: 5, ackedSeq: 1 });
    expect(outbox.quickCheck()).toBe("ok");
  });
});
