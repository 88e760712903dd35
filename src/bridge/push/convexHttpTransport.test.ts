import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CodexEvent } from "../../shared/validators.js";
import { ConvexHttpTransport, DEFAULT_ENSURE_SESSION_MUTATION, DEFAULT_INGEST_SAFE_MUTATION } from "./convexHttpTransport.js";
import { BridgeError, isBridgeError, isPermanentError } from "../errors.js";
import { Outbox } from "../outbox/outbox.js";
import { Pusher } from "./pusher.js";

/** A request as the fake deployment saw it. */
type Seen = { url: string; authorization: string | undefined; body: { path: string; format: string; args: unknown[] } };

/** How the fake deployment answers one mutation: HTTP status and JSON body, or "hang". */
type Reply = { status: number; json?: unknown; text?: string; headers?: Record<string, string> } | "hang";

/**
 * A tiny stand-in for a Convex deployment's `POST /api/mutation`, speaking the
 * wire format ConvexHttpClient uses: `{path, format: "convex_encoded_json", args: [args]}`
 * in, `{status: "success", value, logLines}` or `{status: "error", errorMessage}` out.
 */
class FakeDeployment {
  readonly seen: Seen[] = [];
  reply: (body: Seen["body"]) => Reply = () => ({ status: 200, json: { status: "success", value: null, logLines: [] } });
  private server: Server | null = null;
  private readonly hanging: ServerResponse[] = [];

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging.splice(0)) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== "POST" || req.url !== "/api/mutation") {
      res.writeHead(404).end("not found");
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Seen["body"];
    this.seen.push({ url: req.url, authorization: req.headers.authorization, body });
    const reply = this.reply(body);
    if (reply === "hang") {
      this.hanging.push(res);
      return;
    }
    res.writeHead(reply.status, { "Content-Type": reply.json === undefined ? "text/plain" : "application/json", ...reply.headers });
    res.end(reply.json === undefined ? (reply.text ?? "") : JSON.stringify(reply.json));
  }
}

function success(value: unknown): Reply {
  return { status: 200, json: { status: "success", value, logLines: [] } };
}

async function caught(promise: Promise<unknown>): Promise<BridgeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BridgeError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

let deployment: FakeDeployment;
let url: string;

beforeEach(async () => {
  deployment = new FakeDeployment();
  url = await deployment.start();
});

afterEach(async () => {
  await deployment.stop();
});

describe("ConvexHttpTransport", () => {
  it("calls the default mutations with Convex's request format and bearer auth", async () => {
    deployment.reply = (body) =>
      body.path === DEFAULT_ENSURE_SESSION_MUTATION
        ? success({ sessionId: "s1", ackedSeq: 4, created: false })
        : success({ ackedSeq: 6, applied: 2, duplicates: 0, gap: null });
    const transport = new ConvexHttpTransport({ url, authToken: "jwt-1" });
    expect(await transport.ensureSession({ sessionId: "s1", codexVersion: "0.169.0" })).toEqual({ sessionId: "s1", ackedSeq: 4, created: false });
    const events: CodexEvent[] = [
      { seq: 5, receivedAt: 1_700_000_000_000, origin: "codex", line: '{"method":"turn/started"}' },
      { seq: 6, seqEnd: 9, receivedAt: 1_700_000_000_001, origin: "codex", line: '{"method":"item/agentMessage/delta","params":{"delta":"hé 👋"}}' },
    ];
    expect(await transport.ingestSafe({ sessionId: "s1", events })).toEqual({ ackedSeq: 6, applied: 2, duplicates: 0, gap: null });

    expect(deployment.seen.map((s) => s.url)).toEqual(["/api/mutation", "/api/mutation"]);
    expect(deployment.seen[0]?.authorization).toBe("Bearer jwt-1");
    expect(deployment.seen[0]?.body).toEqual({
      path: DEFAULT_ENSURE_SESSION_MUTATION,
      format: "convex_encoded_json",
      args: [{ sessionId: "s1", codexVersion: "0.169.0" }],
    });
    expect(deployment.seen[1]?.body).toEqual({ path: DEFAULT_INGEST_SAFE_MUTATION, format: "convex_encoded_json", args: [{ sessionId: "s1", events }] });
  });

  it("uses configured mutation names and replaces or clears the token", async () => {
    deployment.reply = () => success({ sessionId: "s", ackedSeq: 0, created: true });
    const transport = new ConvexHttpTransport({ url, ensureSessionMutation: "bridge/codex:ensure", ingestSafeMutation: "bridge/codex:ingest" });
    await transport.ensureSession({ sessionId: "s" });
    transport.setAuth("jwt-2");
    await transport.ensureSession({ sessionId: "s" });
    transport.clearAuth();
    deployment.reply = () => success({ ackedSeq: 0, applied: 0, duplicates: 0, gap: { expectedSeq: 1, receivedSeq: 3 } });
    expect(await transport.ingestSafe({ sessionId: "s", events: [] })).toEqual({ ackedSeq: 0, applied: 0, duplicates: 0, gap: { expectedSeq: 1, receivedSeq: 3 } });
    expect(deployment.seen.map((s) => [s.body.path, s.authorization])).toEqual([
      ["bridge/codex:ensure", undefined],
      ["bridge/codex:ensure", "Bearer jwt-2"],
      ["bridge/codex:ingest", undefined],
    ]);
  });

  it("turns a function that threw into the permanent FUNCTION_FAILED, with the cause", async () => {
    deployment.reply = () => ({ status: 560, json: { status: "error", errorMessage: "Uncaught Error: not authorized", logLines: [] } });
    const error = await caught(new ConvexHttpTransport({ url }).ingestSafe({ sessionId: "s", events: [] }));
    expect(error.code).toBe("FUNCTION_FAILED");
    expect(isPermanentError(error)).toBe(true);
    expect(error.message).toMatch(/codex:ingestSafe.*not authorized/);
    expect((error.cause as Error).message).toMatch(/not authorized/);
  });

  const failed = (errorMessage: string, errorData?: unknown): Reply => ({
    status: 560,
    json: { status: "error", errorMessage, ...(errorData === undefined ? {} : { errorData }), logLines: [] },
  });
  const classes: Array<[string, Reply, string, number | undefined]> = [
    ["our UNAUTHENTICATED", failed("Sign in first", { code: "UNAUTHENTICATED", message: "Sign in first" }), "UNAUTHENTICATED", undefined],
    ["SESSION_MISMATCH", failed("x", { code: "SESSION_MISMATCH", message: "another user's" }), "SESSION_MISMATCH", undefined],
    ["INVALID_BATCH", failed("x", { code: "INVALID_BATCH", message: "seqEnd too far" }), "INVALID_BATCH", undefined],
    ["PAYLOAD_TOO_LARGE", failed("x", { code: "PAYLOAD_TOO_LARGE", message: "too big" }), "PAYLOAD_TOO_LARGE", undefined],
    ["SESSION_NOT_FOUND", failed("x", { code: "SESSION_NOT_FOUND", message: "unknown" }), "SESSION_NOT_FOUND", undefined],
    ["DEVICE_REVOKED (issue 9)", failed("x", { code: "DEVICE_REVOKED", message: "revoked" }), "DEVICE_REVOKED", undefined],
    ["DEVICE_UNKNOWN (issue 9)", failed("x", { code: "DEVICE_UNKNOWN", message: "unknown" }), "DEVICE_UNKNOWN", undefined],
    ["another ConvexError code", failed("x", { code: "INVALID_ARGUMENT", message: "bad" }), "CONVEX_REJECTED", undefined],
    ["a rate limiter's ConvexError", failed("x", { kind: "RateLimited", name: "ingest", retryAfter: 1_500 }), "TRANSPORT_FAILED", 1_500],
    ["a missing host function", failed("Could not find public function for 'codex:ingestSafe'. Did you forget to run `npx convex dev`?"), "FUNCTION_NOT_FOUND", undefined],
    ["an OCC failure", failed("Documents read from or written to the table \"events\" changed while this mutation was being run and on every subsequent retry."), "TRANSPORT_FAILED", undefined],
    ["an internal error", failed("[Request ID: 1] Server Error"), "TRANSPORT_FAILED", undefined],
    ["HTTP 401 (expired token)", { status: 401, json: { code: "Unauthenticated", message: "Token expired" } }, "UNAUTHENTICATED", undefined],
    ["HTTP 403", { status: 403, text: "forbidden" }, "UNAUTHENTICATED", undefined],
    ["HTTP 400 with an auth code", { status: 400, json: { code: "InvalidAuthHeader", message: "bad header" } }, "UNAUTHENTICATED", undefined],
    ["HTTP 404 (not a deployment)", { status: 404, text: "not found" }, "CONVEX_REJECTED", undefined],
    ["HTTP 400", { status: 400, json: { code: "BadRequest", message: "bad" } }, "CONVEX_REJECTED", undefined],
    ["HTTP 429 with Retry-After", { status: 429, text: "slow down", headers: { "Retry-After": "2" } }, "TRANSPORT_FAILED", 2_000],
    ["HTTP 408", { status: 408, text: "timeout" }, "TRANSPORT_FAILED", undefined],
    ["HTTP 500", { status: 500, json: { code: "InternalServerError", message: "try again" } }, "TRANSPORT_FAILED", undefined],
    ["HTTP 503", { status: 503, text: "overloaded" }, "TRANSPORT_FAILED", undefined],
  ];
  it.each(classes)("classifies %s", async (_what, reply, code, retryAfterMs) => {
    deployment.reply = () => reply;
    const error = await caught(new ConvexHttpTransport({ url }).ingestSafe({ sessionId: "s", events: [] }));
    expect(error.code).toBe(code);
    expect(isPermanentError(error)).toBe(code !== "TRANSPORT_FAILED");
    expect(error.retryAfterMs).toBe(retryAfterMs);
  });

  it("keeps the HTTP outcome of concurrent calls apart", async () => {
    deployment.reply = (body) =>
      (body.args[0] as { sessionId: string }).sessionId === "a" ? { status: 401, text: "no" } : { status: 503, text: "busy" };
    const transport = new ConvexHttpTransport({ url });
    const [a, b] = await Promise.all([caught(transport.ingestSafe({ sessionId: "a", events: [] })), caught(transport.ingestSafe({ sessionId: "b", events: [] }))]);
    expect([a.code, b.code]).toEqual(["UNAUTHENTICATED", "TRANSPORT_FAILED"]);
  });

  it("turns an HTTP failure into TRANSPORT_FAILED", async () => {
    deployment.reply = () => ({ status: 503, text: "upstream unavailable" });
    const error = await caught(new ConvexHttpTransport({ url }).ensureSession({ sessionId: "s" }));
    expect(isBridgeError(error, "TRANSPORT_FAILED")).toBe(true);
    expect(error.message).toMatch(/upstream unavailable/);
  });

  it("turns a refused connection into TRANSPORT_FAILED", async () => {
    await deployment.stop();
    const error = await caught(new ConvexHttpTransport({ url }).ensureSession({ sessionId: "s" }));
    expect(error.code).toBe("TRANSPORT_FAILED");
    expect(error.cause).toBeInstanceOf(Error);
  });

  it("aborts a request that takes longer than requestTimeoutMs", async () => {
    deployment.reply = () => "hang";
    const startedAt = Date.now();
    const error = await caught(new ConvexHttpTransport({ url, requestTimeoutMs: 100 }).ingestSafe({ sessionId: "s", events: [] }));
    expect(error.code).toBe("TRANSPORT_FAILED");
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });

  it("rejects answers of the wrong shape", async () => {
    const transport = new ConvexHttpTransport({ url });
    deployment.reply = () => success({ ok: true });
    expect((await caught(transport.ensureSession({ sessionId: "s" }))).message).toMatch(/codex:ensureSession answered \{"ok":true\}/);
    deployment.reply = () => success({ ackedSeq: "3", applied: 0, duplicates: 0, gap: null });
    expect((await caught(transport.ingestSafe({ sessionId: "s", events: [] }))).code).toBe("TRANSPORT_FAILED");
    deployment.reply = () => success({ ackedSeq: 3, applied: 0, duplicates: 0, gap: { expectedSeq: 1 } });
    expect((await caught(transport.ingestSafe({ sessionId: "s", events: [] }))).code).toBe("TRANSPORT_FAILED");
  });

  it("calls the wrappers of the configured API module", async () => {
    deployment.reply = (body) =>
      body.path.endsWith(":ensureSession")
        ? success({ sessionId: "s", ackedSeq: 0, created: true })
        : success({ ackedSeq: 0, applied: 0, duplicates: 0, gap: null });
    const transport = new ConvexHttpTransport({ url, api: "bridge/agent" });
    expect(transport.functionNames).toEqual({ ensureSession: "bridge/agent:ensureSession", ingestSafe: "bridge/agent:ingestSafe" });
    await transport.ensureSession({ sessionId: "s" });
    await transport.ingestSafe({ sessionId: "s", events: [] });
    expect(deployment.seen.map((s) => s.body.path)).toEqual(["bridge/agent:ensureSession", "bridge/agent:ingestSafe"]);
    expect(new ConvexHttpTransport({ url }).functionNames).toEqual({ ensureSession: DEFAULT_ENSURE_SESSION_MUTATION, ingestSafe: DEFAULT_INGEST_SAFE_MUTATION });
  });

  it.each([
    ["", /not a Convex module path/],
    ["codex.ts", /file extension/],
    ["codex:ingestSafe", /names a function/],
    ["../codex", /not a Convex module path/],
    ["bridge//codex", /not a Convex module path/],
  ])("refuses the API module %j, saying what to pass", (api, message) => {
    expect(() => new ConvexHttpTransport({ url, api })).toThrow(message);
    expect(() => new ConvexHttpTransport({ url, api })).toThrow(/e\.g\. codex or bridge\/codex/);
  });

  it("refuses a URL that is not a deployment URL", () => {
    expect(() => new ConvexHttpTransport({ url: "ftp://example" })).toThrow(BridgeError);
    expect(() => new ConvexHttpTransport({ url: "https://example.convex.site" })).toThrow(/deployment URL/);
    expect(() => new ConvexHttpTransport({ url: "https://example.convex.site", skipConvexDeploymentUrlCheck: true })).not.toThrow();
  });
});

describe("Pusher over ConvexHttpTransport", () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "http-transport-test-"));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("delivers an outbox to a fake deployment with the component's seq rules, through flaky HTTP", async () => {
    const applied: CodexEvent[] = [];
    let ackedSeq = 0;
    let calls = 0;
    deployment.reply = (body) => {
      calls += 1;
      if (calls % 3 === 0) return { status: 502, text: "bad gateway" };
      const args = body.args[0] as { sessionId: string; events?: CodexEvent[] };
      if (body.path === DEFAULT_ENSURE_SESSION_MUTATION) return success({ sessionId: args.sessionId, ackedSeq, created: ackedSeq === 0 });
      let appliedNow = 0;
      let duplicates = 0;
      for (const event of args.events ?? []) {
        if ((event.seqEnd ?? event.seq) <= ackedSeq) duplicates += 1;
        else if (event.seq === ackedSeq + 1) {
          applied.push(event);
          ackedSeq = event.seqEnd ?? event.seq;
          appliedNow += 1;
        } else return success({ ackedSeq, applied: appliedNow, duplicates, gap: { expectedSeq: ackedSeq + 1, receivedSeq: event.seq } });
      }
      return success({ ackedSeq, applied: appliedNow, duplicates, gap: null });
    };
    const outbox = Outbox.open(join(dir, "outbox.db"));
    const sessionId = outbox.createSession();
    const lines = Array.from({ length: 300 }, (_, n) => JSON.stringify({ method: "test/n", params: { n, text: "é👋".repeat(n % 7) } }));
    outbox.append(sessionId, lines.map((line) => ({ origin: "codex" as const, line })));
    const pusher = new Pusher({
      outbox,
      transport: new ConvexHttpTransport({ url }),
      sessionId,
      maxBatchEvents: 40,
      backoff: { baseDelayMs: 1, maxDelayMs: 5 },
    });
    await pusher.start();
    expect(await pusher.flush({ timeoutMs: 10_000 })).toMatchObject({ drained: true, ackedSeq: 300 });
    expect(applied.map((event) => event.line)).toEqual(lines);
    expect(pusher.stats().failures).toBeGreaterThan(0);
    await pusher.stop();
    outbox.close();
  });
});
