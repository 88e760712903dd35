/**
 * A loopback HTTP server answering `ConvexHttpClient` calls with hand-written
 * handlers instead of the component: enough for the bridge's pairing and
 * pushing paths (`redeemPairingCode`, `ensureSession`, `ingestSafe`) to run
 * against "a deployment" whose every call is recorded, headers included.
 * It is not Convex; the real host functions are tested with convex-test.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";

/** Status `ConvexHttpClient` expects for a function that threw. */
const STATUS_FUNCTION_FAILED = 560;

/** One call as received. */
export type RecordedCall = { path: string; args: Record<string, unknown>; authorization: string | undefined };

/** A handler: returns the function's value, or throws `{ code, message }` (becomes a ConvexError). */
export type FakeHandler = (args: Record<string, unknown>) => unknown;

export type FakeDeviceHost = { url: string; calls: RecordedCall[]; close(): Promise<void> };

/** A host that acknowledges every event, as `ingestSafe` does when nothing is missing. */
export function ackingHandlers(): Record<string, FakeHandler> {
  const acked = new Map<string, number>();
  return {
    "codex:ensureSession": (args) => {
      const sessionId = String(args.sessionId);
      return { sessionId, ackedSeq: acked.get(sessionId) ?? 0, created: !acked.has(sessionId) };
    },
    "codex:ingestSafe": (args) => {
      const sessionId = String(args.sessionId);
      const events = args.events as Array<{ seq: number; seqEnd?: number }>;
      const last = events.at(-1);
      const ackedSeq = Math.max(acked.get(sessionId) ?? 0, last ? (last.seqEnd ?? last.seq) : 0);
      acked.set(sessionId, ackedSeq);
      return { ackedSeq, applied: events.length, duplicates: 0, gap: null };
    },
  };
}

/** Every line the bridge pushed with `ingestSafe`, in call order, parsed. */
export function pushedLines(host: FakeDeviceHost): Array<Record<string, unknown>> {
  return host.calls
    .filter((call) => call.path === "codex:ingestSafe")
    .flatMap((call) => (call.args.events as Array<{ line: string }>).map((event) => JSON.parse(event.line) as Record<string, unknown>));
}

/** Starts the fake on 127.0.0.1 (random port). */
export async function startFakeDeviceHost(handlers: Record<string, FakeHandler>): Promise<FakeDeviceHost> {
  const calls: RecordedCall[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.method !== "POST" || !/^\/api\/(query|mutation|action)$/.test(req.url ?? "")) return send(404, { error: "no route" });
      const request = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { path: string; args: JSONValue[] };
      const args = jsonToConvex(request.args[0] ?? {}) as Record<string, unknown>;
      calls.push({ path: request.path, args, authorization: req.headers.authorization });
      const handler = handlers[request.path];
      if (!handler) return send(STATUS_FUNCTION_FAILED, { status: "error", errorMessage: `no function ${request.path}`, logLines: [] });
      try {
        send(200, { status: "success", value: convexToJson((handler(args) ?? null) as Value), logLines: [] });
      } catch (error) {
        const data = error as { code?: string; message?: string };
        send(STATUS_FUNCTION_FAILED, { status: "error", errorMessage: data.message ?? "failed", errorData: convexToJson({ code: data.code ?? "ERROR", message: data.message ?? "" }), logLines: [] });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
