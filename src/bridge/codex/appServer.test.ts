import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { spawnAppServer, type AppServer } from "./appServer.js";
import { findCodexBinary } from "./codexBinary.js";
import { isBridgeError, type BridgeError } from "../errors.js";
import {
  initialize,
  initialized,
  serverNotification,
  threadStart,
  type ClientInfo,
  type ServerNotificationParams,
} from "./protocol/index.js";
import { rpcErrorDetails, type JsonRpcMessage } from "./rpc.js";

const root = mkdtempSync(path.join(tmpdir(), "app-server-test-"));
const servers: AppServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.shutdown(1_000)));
  rmSync(root, { recursive: true, force: true });
});

const clientInfo: ClientInfo = { name: "codex_convex_test", title: "codex-convex tests", version: "0.1.0" };

describe("spawnAppServer with the real codex binary", () => {
  test("answers initialize, rejects requests before it, starts a thread, and surfaces every line", async () => {
    const codexHome = mkdtempSync(path.join(root, "codex-home-"));
    const workdir = mkdtempSync(path.join(root, "work-"));
    const rawLines: string[] = [];
    const sentLines: string[] = [];
    const notifications: string[] = [];
    const malformed: string[] = [];
    const server = await spawnAppServer({
      binaryPath: findCodexBinary().path,
      cwd: workdir,
      env: { ...process.env, CODEX_HOME: codexHome },
      stderrLog: path.join(root, "codex-stderr.log"),
      rpc: {
        onRawLines: (lines) => rawLines.push(...lines),
        onSentLine: (line) => sentLines.push(line),
        onNotification: (method) => notifications.push(method),
        onMalformedLine: (line) => malformed.push(line),
      },
    });
    servers.push(server);
    const { connection } = server;

    // Before initialize, codex answers with a JSON-RPC error.
    const early = (await connection.request(threadStart, {}, { timeoutMs: 30_000 }).catch((e: unknown) => e)) as BridgeError;
    expect(isBridgeError(early, "RPC_ERROR")).toBe(true);
    expect(rpcErrorDetails(early)).toMatchObject({ code: -32600, message: "Not initialized" });

    const info = await connection.request(initialize, { clientInfo, capabilities: null }, { timeoutMs: 30_000 });
    expect(info.userAgent).toContain("0.169.0");
    expect(info.userAgent).toContain("codex_convex_test");
    expect(info.codexHome).toBe(codexHome);
    connection.notify(initialized);

    const started = new Promise<ServerNotificationParams<"thread/started">>((resolve) => {
      connection.on(serverNotification("thread/started"), (params) => resolve(params));
    });
    const response = await connection.request(threadStart, {}, { timeoutMs: 30_000 });
    expect(typeof response.thread.id).toBe("string");
    expect((await started).thread.id).toBe(response.thread.id);

    // Store-first hooks saw both directions, ids starting at 0.
    expect(JSON.parse(sentLines[0] ?? "{}")).toMatchObject({ id: 0, method: "thread/start" });
    expect(JSON.parse(sentLines[1] ?? "{}")).toMatchObject({ id: 1, method: "initialize" });
    const responses = rawLines.map((l) => JSON.parse(l) as JsonRpcMessage).filter((m) => "id" in m);
    expect(responses.map((m) => m.id)).toEqual([0, 1, 2]);
    expect(rawLines.every((l) => !l.includes('"jsonrpc"'))).toBe(true);
    expect(notifications).toContain("thread/started");
    expect(malformed).toEqual([]);

    // codex exits when its stdin closes.
    const exit = await server.shutdown(5_000);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(connection.closed).toBe(true);
  });
});

describe("spawnAppServer failures", () => {
  test("a missing binary is CODEX_SPAWN_FAILED, not an uncaught exception", async () => {
    const error = (await spawnAppServer({ binaryPath: path.join(root, "no-such-codex") }).catch((e: unknown) => e)) as Error;
    expect(isBridgeError(error, "CODEX_SPAWN_FAILED")).toBe(true);
    expect(error.message).toContain("no such file");
  });

  test("a non-executable binary is CODEX_SPAWN_FAILED naming the permission problem", async () => {
    const file = path.join(root, "not-executable");
    writeFileSync(file, "#!/bin/sh\n");
    chmodSync(file, 0o644);
    const error = (await spawnAppServer({ binaryPath: file }).catch((e: unknown) => e)) as Error;
    expect(isBridgeError(error, "CODEX_SPAWN_FAILED")).toBe(true);
    expect(error.message).toContain("permission denied");
  });

  test("a missing working directory is named as such", async () => {
    const error = (await spawnAppServer({
      binaryPath: findCodexBinary().path,
      cwd: path.join(root, "no-such-dir"),
    }).catch((e: unknown) => e)) as Error;
    expect(isBridgeError(error, "CODEX_SPAWN_FAILED")).toBe(true);
    expect(error.message).toContain("working directory");
  });

  test("an unwritable stderr log is INVALID_ARGUMENT before anything is spawned", async () => {
    const error = await spawnAppServer({
      binaryPath: findCodexBinary().path,
      stderrLog: path.join(root, "no-such-dir", "codex.log"),
    }).catch((e: unknown) => e);
    expect(isBridgeError(error, "INVALID_ARGUMENT")).toBe(true);
  });
});

/**
 * A stand-in child (a tiny node script, not codex): it writes
 * `STDERR_FLOOD_BYTES` to stderr with blocking `writeSync` calls, which stop
 * once the pipe is full unless the parent reads it, and only then announces
 * itself on stdout. (`process.stderr.write` would buffer in memory instead.)
 */
const STDERR_FLOOD_BYTES = 3 * 1024 * 1024;

function floodingChild(): string {
  const script = path.join(root, "flood.cjs");
  writeFileSync(
    script,
    [
      `const fs = require("node:fs");`,
      `const chunk = Buffer.from("e".repeat(64 * 1024 - 1) + "\\n");`,
      `let sent = 0;`,
      `while (sent < ${STDERR_FLOOD_BYTES}) {`,
      `  try { sent += fs.writeSync(2, chunk); } catch (e) { if (e.code !== "EAGAIN") throw e; }`,
      `}`,
      `fs.writeSync(2, "LAST LINE\\n");`,
      `process.stdout.write(JSON.stringify({ method: "flood/done", params: { bytes: sent } }) + "\\n");`,
      `process.stdin.on("data", () => {});`,
      `process.stdin.on("end", () => process.exit(0));`,
    ].join("\n"),
  );
  const launcher = path.join(root, "flood.sh");
  writeFileSync(launcher, `#!/bin/sh\nexec "${process.execPath}" "${script}" "$@"\n`);
  chmodSync(launcher, 0o755);
  return launcher;
}

describe("stderr draining (tiny node script child, not codex)", () => {
  const binaryPath = floodingChild();

  test.each([
    ["discarded", undefined],
    ["logged to a file", path.join(root, "flood-stderr.log")],
  ] as const)("a child writing >1 MB to stderr does not stall when stderr is %s", async (_how, stderrLog) => {
    let announce: (params: unknown) => void = () => {};
    const announced = new Promise<unknown>((resolve) => (announce = resolve));
    const server = await spawnAppServer({
      binaryPath,
      ...(stderrLog === undefined ? {} : { stderrLog }),
      rpc: { onNotification: (method, params) => method === "flood/done" && announce(params) },
    });
    servers.push(server);
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("child stalled on stderr")), 20_000));
    const { bytes } = (await Promise.race([announced, timeout])) as { bytes: number };
    expect(bytes).toBeGreaterThanOrEqual(STDERR_FLOOD_BYTES);
    expect(await server.shutdown(5_000)).toEqual({ code: 0, signal: null });
    expect(server.stderrTail().slice(-200)).toMatch(/LAST LINE\n$/);
    if (stderrLog !== undefined) {
      expect(statSync(stderrLog).size).toBeGreaterThan(STDERR_FLOOD_BYTES);
      expect(readFileSync(stderrLog, "utf8").endsWith("LAST LINE\n")).toBe(true);
    }
  });
});
