/**
 * A local test stand-in for a Convex deployment's HTTP API: a loopback server
 * that answers `ConvexHttpClient`'s calls (`POST /api/query|mutation|action`
 * with `convex_encoded_json`) by running the function in an in-memory
 * convex-test app. It outlives any bridge process, so a bridge under test can
 * be killed and restarted while running its production transport unchanged.
 *
 * It is not a Convex backend: no websocket sync, no OCC, no document limits.
 * A `Bearer <token>` header becomes the identity `{ subject: token,
 * tokenIdentifier: "local|<token>" }`; no header means signed out. A token
 * `options.rejectToken` refuses gets HTTP 401 `{"code":"Unauthenticated"}`,
 * as a deployment answers an expired or invalid JWT.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { makeFunctionReference } from "convex/server";
import { ConvexError, convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { ConvexApp } from "./convexApp.js";

/** Status ConvexHttpClient expects for a function that threw. */
const STATUS_FUNCTION_FAILED = 560;
/** Largest request body accepted, in bytes (Convex allows 8 MiB of arguments; some slack for JSON). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export type ConvexHttpStandIn = {
  /** Base URL for `ConvexHttpClient` / `CONVEX_URL`, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  /** Calls answered, by kind. */
  calls: { query: number; mutation: number; action: number };
  /** While true, every call fails with HTTP 503 (a simulated outage). */
  setUnreachable(unreachable: boolean): void;
  close(): Promise<void>;
};

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Lets a page served from another loopback port call the stand-in, as browsers call Convex. */
const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "content-type, authorization, convex-client",
  "access-control-allow-methods": "POST, OPTIONS",
};

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", ...CORS_HEADERS });
  res.end(JSON.stringify(body));
}

/** Options of {@link startConvexHttpStandIn}. */
export type ConvexHttpStandInOptions = {
  /** Tokens to refuse with HTTP 401, as a deployment refuses an expired JWT; default: none. */
  rejectToken?: (token: string) => boolean;
};

/**
 * Starts the stand-in on 127.0.0.1 (random port) in front of `t`.
 * @returns the running stand-in; `close()` stops it.
 */
export async function startConvexHttpStandIn(t: ConvexApp, options: ConvexHttpStandInOptions = {}): Promise<ConvexHttpStandIn> {
  const calls = { query: 0, mutation: 0, action: 0 };
  let unreachable = false;
  const server = http.createServer((req, res) => {
    void (async () => {
      if (req.method === "OPTIONS") {
        res.writeHead(204, CORS_HEADERS);
        return res.end();
      }
      const kind = /^\/api\/(query|mutation|action)$/.exec(req.url ?? "")?.[1] as keyof typeof calls | undefined;
      if (req.method !== "POST" || kind === undefined) return send(res, 404, { error: `no route ${req.url}` });
      if (unreachable) return send(res, 503, { error: "local Convex stand-in: simulated outage" });
      let request: { path: string; args: JSONValue[]; format?: string };
      try {
        request = JSON.parse(await readBody(req)) as typeof request;
      } catch (error) {
        return send(res, 400, { error: `bad request: ${(error as Error).message}` });
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (token !== undefined && options.rejectToken?.(token)) {
        return send(res, 401, { code: "Unauthenticated", message: "Could not verify OIDC token claim: the token expired." });
      }
      const caller = token ? t.withIdentity({ subject: token, tokenIdentifier: `local|${token}` }) : t;
      const args = jsonToConvex(request.args[0] ?? {}) as Record<string, Value>;
      try {
        calls[kind] += 1;
        const value =
          kind === "query"
            ? await caller.query(makeFunctionReference<"query">(request.path), args)
            : kind === "mutation"
              ? await caller.mutation(makeFunctionReference<"mutation">(request.path), args)
              : await caller.action(makeFunctionReference<"action">(request.path), args);
        send(res, 200, { status: "success", value: convexToJson(value as Value), logLines: [] });
      } catch (error) {
        const errorData = error instanceof ConvexError ? convexToJson(error.data as Value) : undefined;
        send(res, STATUS_FUNCTION_FAILED, {
          status: "error",
          errorMessage: error instanceof Error ? error.message : String(error),
          ...(errorData !== undefined ? { errorData } : {}),
          logLines: [],
        });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    setUnreachable: (value) => {
      unreachable = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
