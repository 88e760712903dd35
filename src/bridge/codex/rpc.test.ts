import { PassThrough } from "node:stream";
import { afterEach, describe, expect, test, vi } from "vitest";
import { isBridgeError, type BridgeError } from "../errors.js";
import {
  JSONRPC_METHOD_NOT_FOUND,
  JsonRpcConnection,
  notificationMethod,
  requestMethod,
  rpcErrorDetails,
  type IncomingRequest,
  type JsonRpcConnectionOptions,
  type JsonRpcId,
  type JsonRpcMessage,
} from "./rpc.js";

const echo = requestMethod<{ text: string }, { echoed: string }>("test/echo");
const ping = notificationMethod<{ n: number }>("test/ping");

/**
 * An in-memory peer: `toClient` is what the connection reads, `fromClient`
 * collects what it writes, parsed one message per line.
 */
function pair(options: JsonRpcConnectionOptions = {}) {
  const toClient = new PassThrough();
  const fromClient = new PassThrough();
  const sent: JsonRpcMessage[] = [];
  let buffer = "";
  fromClient.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let newline: number;
    while ((newline = buffer.indexOf("\n")) !== -1) {
      sent.push(JSON.parse(buffer.slice(0, newline)) as JsonRpcMessage);
      buffer = buffer.slice(newline + 1);
    }
  });
  const connection = new JsonRpcConnection(toClient, fromClient, options);
  const serverWrite = (text: string): void => {
    toClient.write(text);
  };
  return { connection, toClient, sent, serverWrite };
}

/** Lets stream events propagate. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe("JsonRpcConnection requests", () => {
  test("ids count from 0 and id 0 correlates with its response", async () => {
    const { connection, sent, serverWrite } = pair();
    const first = connection.request(echo, { text: "a" });
    const second = connection.request(echo, { text: "b" });
    await tick();
    expect(sent).toEqual([
      { id: 0, method: "test/echo", params: { text: "a" } },
      { id: 1, method: "test/echo", params: { text: "b" } },
    ]);
    serverWrite('{"id":1,"result":{"echoed":"b"}}\n{"id":0,"result":{"echoed":"a"}}\n');
    await expect(first).resolves.toEqual({ echoed: "a" });
    await expect(second).resolves.toEqual({ echoed: "b" });
    expect(connection.pendingCount).toBe(0);
  });

  test("omits jsonrpc by default and includes it when asked", async () => {
    const plain = pair();
    void plain.connection.request(echo, { text: "x" }).catch(() => {});
    const versioned = pair({ includeJsonRpcVersion: true });
    void versioned.connection.request(echo, { text: "x" }).catch(() => {});
    await tick();
    expect(plain.sent[0]).not.toHaveProperty("jsonrpc");
    expect(versioned.sent[0]).toMatchObject({ jsonrpc: "2.0", id: 0 });
  });

  test("an error response rejects with RPC_ERROR carrying code and message", async () => {
    const { connection, serverWrite } = pair();
    const result = connection.request(echo, { text: "a" });
    serverWrite('{"error":{"code":-32600,"message":"Not initialized"},"id":0}\n');
    const error = (await result.catch((e: unknown) => e)) as BridgeError;
    expect(isBridgeError(error, "RPC_ERROR")).toBe(true);
    expect(error.message).toContain("-32600");
    expect(error.message).toContain("Not initialized");
    expect(rpcErrorDetails(error)).toEqual({ code: -32600, message: "Not initialized" });
  });

  test("string ids correlate, and never match the number with the same digits", async () => {
    let n = 0;
    const { connection, sent, serverWrite } = pair({ nextId: () => `req-${n++}` });
    const result = connection.request(echo, { text: "s" });
    await tick();
    expect(sent[0]?.id).toBe("req-0");
    serverWrite('{"id":"req-0","result":{"echoed":"s"}}\n');
    await expect(result).resolves.toEqual({ echoed: "s" });

    const malformed: string[] = [];
    const numeric = pair({ nextId: () => 7, onMalformedLine: (line) => malformed.push(line) });
    const pending = numeric.connection.request(echo, { text: "n" }, { timeoutMs: 50 });
    numeric.serverWrite('{"id":"7","result":{"echoed":"wrong"}}\n');
    await expect(pending).rejects.toSatisfy((e) => isBridgeError(e, "RPC_TIMEOUT"));
    expect(malformed).toEqual(['{"id":"7","result":{"echoed":"wrong"}}']);
  });

  test("times out with RPC_TIMEOUT and reports the late response as unexpected", async () => {
    vi.useFakeTimers();
    const malformed: BridgeError[] = [];
    const { connection, serverWrite } = pair({ onMalformedLine: (_line, error) => malformed.push(error) });
    const result = connection.request(echo, { text: "slow" }, { timeoutMs: 1_000 });
    const settled = result.catch((e: unknown) => e);
    vi.advanceTimersByTime(1_000);
    expect(isBridgeError(await settled, "RPC_TIMEOUT")).toBe(true);
    vi.useRealTimers();
    serverWrite('{"id":0,"result":{"echoed":"late"}}\n');
    await tick();
    expect(malformed.map((e) => e.code)).toEqual(["RPC_MALFORMED"]);
    expect(malformed[0]?.message).toContain("unknown request id 0");
  });

  test("end of stream rejects pending requests with RPC_CLOSED, and later requests too", async () => {
    const closes: (Error | undefined)[] = [];
    const { connection, toClient } = pair({ onClose: (error) => closes.push(error) });
    const pending = connection.request(echo, { text: "a" });
    toClient.end();
    await expect(pending).rejects.toSatisfy((e) => isBridgeError(e, "RPC_CLOSED"));
    await expect(connection.request(echo, { text: "b" })).rejects.toSatisfy((e) => isBridgeError(e, "RPC_CLOSED"));
    expect(() => connection.notify(ping, { n: 1 })).toThrow(/closed/);
    expect(connection.closed).toBe(true);
    expect(closes).toEqual([undefined]);
  });

  test("a stream error rejects pending requests with RPC_CLOSED and the error as cause", async () => {
    const { connection, toClient } = pair();
    const pending = connection.request(echo, { text: "a" });
    toClient.destroy(new Error("EPIPE-ish"));
    const error = (await pending.catch((e: unknown) => e)) as BridgeError;
    expect(isBridgeError(error, "RPC_CLOSED")).toBe(true);
    expect((error.cause as Error).message).toBe("EPIPE-ish");
  });

  test("a final response without trailing newline is delivered before close", async () => {
    const { connection, toClient } = pair();
    const pending = connection.request(echo, { text: "a" });
    toClient.end('{"id":0,"result":{"echoed":"a"}}');
    await expect(pending).resolves.toEqual({ echoed: "a" });
  });

  test("unserialisable params reject with INVALID_ARGUMENT and send nothing", async () => {
    const sentLines: string[] = [];
    const { connection } = pair({ onSentLine: (line) => sentLines.push(line) });
    const cyclic: { text: string; self?: unknown } = { text: "x" };
    cyclic.self = cyclic;
    await expect(connection.request(echo, cyclic)).rejects.toSatisfy((e) => isBridgeError(e, "INVALID_ARGUMENT"));
    expect(sentLines).toEqual([]);
  });
});

describe("JsonRpcConnection incoming messages", () => {
  test("onRawLines gets a chunk's lines before any of them is dispatched", async () => {
    const order: string[] = [];
    const { connection, serverWrite } = pair({
      onRawLines: (lines) => order.push(`raw:${lines.length}`),
      onNotification: (method) => order.push(`notification:${method}`),
    });
    const result = connection.request(echo, { text: "a" });
    void result.then(() => order.push("response:0"));
    serverWrite('{"method":"a"}\n{"id":0,"result":{"echoed":"a"}}\n{"method":"b"}\n');
    await result;
    await tick();
    expect(order).toEqual(["raw:3", "notification:a", "notification:b", "response:0"]);
  });

  test("if onRawLines throws, nothing is dispatched and the connection closes", async () => {
    const notifications: string[] = [];
    const closes: (Error | undefined)[] = [];
    const { connection, serverWrite } = pair({
      onRawLines: () => {
        throw new Error("disk full");
      },
      onNotification: (method) => notifications.push(method),
      onClose: (error) => closes.push(error),
    });
    const pending = connection.request(echo, { text: "a" });
    serverWrite('{"id":0,"result":{"echoed":"a"}}\n{"method":"x"}\n');
    const error = (await pending.catch((e: unknown) => e)) as BridgeError;
    expect(isBridgeError(error, "RPC_CLOSED")).toBe(true);
    expect(error.message).toContain("disk full");
    expect(notifications).toEqual([]);
    expect(closes.map((e) => e?.message)).toEqual(["disk full"]);
  });

  test("unknown notifications reach the catch-all and the raw-line hook; typed listeners get theirs", async () => {
    const raw: string[] = [];
    const all: [string, unknown][] = [];
    const typed: number[] = [];
    const messages: JsonRpcMessage[] = [];
    const { connection, serverWrite } = pair({
      onRawLines: (lines) => raw.push(...lines),
      onNotification: (method, params) => all.push([method, params]),
    });
    const off = connection.on(ping, (params, message) => {
      typed.push(params.n);
      messages.push(message);
    });
    serverWrite('{"method":"brand/new/thing","params":{"x":1},"emittedAtMs":5}\n');
    serverWrite('{"method":"test/ping","params":{"n":1},"emittedAtMs":6}\n');
    await tick();
    off();
    serverWrite('{"method":"test/ping","params":{"n":2}}\n');
    await tick();
    expect(raw).toEqual([
      '{"method":"brand/new/thing","params":{"x":1},"emittedAtMs":5}',
      '{"method":"test/ping","params":{"n":1},"emittedAtMs":6}',
      '{"method":"test/ping","params":{"n":2}}',
    ]);
    expect(all).toEqual([
      ["brand/new/thing", { x: 1 }],
      ["test/ping", { n: 1 }],
      ["test/ping", { n: 2 }],
    ]);
    expect(typed).toEqual([1]);
    expect(messages[0]?.emittedAtMs).toBe(6);
  });

  test("server requests reach the handler and can be answered with result or error (ids 0 and strings)", async () => {
    const requests: IncomingRequest[] = [];
    const { connection, sent, serverWrite } = pair({ onServerRequest: (request) => requests.push(request) });
    serverWrite('{"id":0,"method":"item/commandExecution/requestApproval","params":{"command":"ls"}}\n');
    serverWrite('{"id":"s-1","method":"item/fileChange/requestApproval","params":{}}\n');
    await tick();
    expect(requests.map((r) => [r.id, r.method, r.params])).toEqual([
      [0, "item/commandExecution/requestApproval", { command: "ls" }],
      ["s-1", "item/fileChange/requestApproval", {}],
    ]);
    connection.respond(0, { decision: "accept" });
    connection.respondError("s-1", { code: -32000, message: "declined by user" });
    await tick();
    expect(sent).toEqual([
      { id: 0, result: { decision: "accept" } },
      { id: "s-1", error: { code: -32000, message: "declined by user" } },
    ]);
  });

  test("server requests with no handler are answered with method-not-found", async () => {
    const { sent, serverWrite } = pair();
    serverWrite('{"id":3,"method":"item/tool/call","params":{}}\n');
    await tick();
    await tick();
    expect(sent).toEqual([
      { id: 3, error: { code: JSONRPC_METHOD_NOT_FOUND, message: expect.stringContaining("item/tool/call") as string } },
    ]);
  });

  test("malformed lines are surfaced, never thrown, and the connection keeps working", async () => {
    const malformed: [string, string][] = [];
    const { connection, serverWrite } = pair({
      onMalformedLine: (line, error) => malformed.push([line, error.code]),
    });
    const pending = connection.request(echo, { text: "a" });
    serverWrite('garbage\n[1,2]\n{"id":null,"error":{"code":-32700,"message":"Parse error"}}\n{"foo":1}\n');
    serverWrite('{"id":0,"result":{"echoed":"a"}}\n');
    await expect(pending).resolves.toEqual({ echoed: "a" });
    expect(malformed).toEqual([
      ["garbage", "RPC_MALFORMED"],
      ["[1,2]", "RPC_MALFORMED"],
      ['{"id":null,"error":{"code":-32700,"message":"Parse error"}}', "RPC_MALFORMED"],
      ['{"foo":1}', "RPC_MALFORMED"],
    ]);
  });

  test("over-long lines are surfaced as malformed with their first bytes", async () => {
    const malformed: [string, string][] = [];
    const { serverWrite } = pair({
      maxLineBytes: 16,
      onMalformedLine: (line, error) => malformed.push([line, error.message]),
    });
    serverWrite(`{"method":"${"x".repeat(100)}"}\n`);
    await tick();
    expect(malformed).toHaveLength(1);
    expect(malformed[0]?.[0]).toBe(`{"method":"${"x".repeat(100)}"}`);
    expect(malformed[0]?.[1]).toContain("exceeds the 16-byte limit");
  });

  test("a throwing listener is reported and does not stop later messages", async () => {
    const reported: unknown[] = [];
    const seen: string[] = [];
    const { serverWrite } = pair({
      onNotification: (method) => {
        seen.push(method);
        if (method === "boom") throw new Error("listener bug");
      },
      onHandlerError: (error) => reported.push(error),
    });
    serverWrite('{"method":"boom"}\n{"method":"after"}\n');
    await tick();
    expect(seen).toEqual(["boom", "after"]);
    expect((reported[0] as Error).message).toBe("listener bug");
  });
});

describe("JsonRpcConnection outgoing lines", () => {
  test("onSentLine sees each line before it is written; notify omits undefined params", async () => {
    const lines: string[] = [];
    const { connection, sent } = pair({ onSentLine: (line) => lines.push(line) });
    connection.notify("initialized");
    connection.notify(ping, { n: 2 });
    void connection.request(echo, { text: "q" }).catch(() => {});
    expect(lines).toEqual([
      '{"method":"initialized"}',
      '{"method":"test/ping","params":{"n":2}}',
      '{"id":0,"method":"test/echo","params":{"text":"q"}}',
    ]);
    await tick();
    expect(sent.map((m) => m.method)).toEqual(["initialized", "test/ping", "test/echo"]);
  });

  test("if onSentLine throws, the request is rejected with that error and nothing is written", async () => {
    const { connection, sent } = pair({
      onSentLine: () => {
        throw new Error("outbox unavailable");
      },
    });
    await expect(connection.request(echo, { text: "q" })).rejects.toThrow("outbox unavailable");
    expect(() => connection.respond(1 as JsonRpcId, {})).toThrow("outbox unavailable");
    await tick();
    expect(sent).toEqual([]);
    expect(connection.pendingCount).toBe(0);
  });
});
