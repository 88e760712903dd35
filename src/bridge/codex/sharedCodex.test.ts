/**
 * The shared codex with the real binary, no model needed: two leases on one
 * process send requests at the same time; every request gets its own id and
 * its answer lands in the session of the lease that sent it; the process's
 * own lines (initialize) go to the bridge-level session; a lease for a missing
 * directory is refused; a closed SharedCodex gives no more leases.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CODEX_BINARY_PATH, makeCodexHome, type CodexHome } from "../../../test/stand-ins/codex-home.js";
import { HEAVY_TEST_TIMEOUT_MS } from "../../../test/support/component.js";
import { isBridgeError } from "../errors.js";
import { INITIAL_PROGRESS, type JobProgress } from "../jobs/progress.js";
import { Outbox } from "../outbox/outbox.js";
import type { CodexProcessOptions } from "./codexProcess.js";
import { configRead } from "./protocol/index.js";
import { SessionSink } from "./sessionSink.js";
import { SharedCodex } from "./sharedCodex.js";

/** Requests each lease sends at once. */
const REQUESTS_PER_LEASE = 5;

let home: CodexHome;
let dir: string;
let outbox: Outbox;

beforeAll(async () => {
  home = await makeCodexHome({ modelUrl: "http://127.0.0.1:9/unused" });
  dir = await mkdtemp(path.join(os.tmpdir(), "shared-codex-test-"));
  outbox = Outbox.open(":memory:");
});

afterAll(async () => {
  outbox.close();
  await home.cleanup();
  await rm(dir, { recursive: true, force: true });
});

function leaseOptions(sessionId: string): CodexProcessOptions {
  let progress: JobProgress = INITIAL_PROGRESS;
  return { binaryPath: CODEX_BINARY_PATH, cwd: dir, outbox, sessionId, progress: { get: () => progress, set: (next) => (progress = next) } };
}

function linesOf(sessionId: string): Array<Record<string, unknown>> {
  return outbox.pending(sessionId, { maxEvents: 1_000, maxBytes: 64 * 1024 * 1024 }).map((row) => JSON.parse(row.line) as Record<string, unknown>);
}

describe("SharedCodex (real codex)", () => {
  test(
    "requests of two leases at once: distinct ids, each answer in its sender's session",
    async () => {
      const bridgeSession = outbox.createSession();
      const shared = new SharedCodex({
        binaryPath: CODEX_BINARY_PATH,
        cwd: dir,
        env: { ...home.env, HOME: dir },
        openBridgeSession: () => new SessionSink({ outbox, sessionId: bridgeSession }),
      });
      try {
        const sessions = [outbox.createSession(), outbox.createSession()];
        const leases = await Promise.all(sessions.map((sessionId) => shared.lease(leaseOptions(sessionId))));
        expect(leases[0]?.pid).toBe(leases[1]?.pid);
        await Promise.all(leases.flatMap((lease) => Array.from({ length: REQUESTS_PER_LEASE }, () => lease.request(configRead, { includeLayers: false, cwd: dir }))));
        const ids = new Set<unknown>();
        for (const sessionId of sessions) {
          const lines = linesOf(sessionId);
          const requests = lines.filter((m) => m.method === "config/read");
          const answers = lines.filter((m) => m.method === undefined && "result" in m);
          expect(requests).toHaveLength(REQUESTS_PER_LEASE);
          expect(answers.map((m) => m.id).sort()).toEqual(requests.map((m) => m.id).sort());
          for (const request of requests) ids.add(request.id);
        }
        expect(ids.size).toBe(2 * REQUESTS_PER_LEASE); // no id used twice on the one connection
        expect(linesOf(bridgeSession).map((m) => m.method)).toContain("initialize");

        const missing = await shared.lease({ ...leaseOptions(sessions[0] as string), cwd: path.join(dir, "no-such-dir") }).catch((error: unknown) => error);
        expect(isBridgeError(missing, "CODEX_SPAWN_FAILED")).toBe(true);
        await Promise.all(leases.map((lease) => lease.shutdown()));
      } finally {
        await shared.close();
      }
      expect(linesOf(bridgeSession).at(-1)?.method).toBe("bridge/codexExited");
      const after = await shared.lease(leaseOptions(outbox.createSession())).catch((error: unknown) => error);
      expect(isBridgeError(after, "CODEX_EXITED")).toBe(true);
    },
    HEAVY_TEST_TIMEOUT_MS,
  );
});
