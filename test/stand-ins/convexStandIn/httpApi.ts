/**
 * The stand-in's HTTP API: what `ConvexHttpClient` calls (`POST
 * /api/query|mutation|action` with `convex_encoded_json`), answered from the
 * in-memory app. `Authorization: Bearer <token>` is mapped to an identity by
 * the token verifier; no header means signed out; a token the verifier
 * rejects gets 401.
 */
import type http from "node:http";
import type { JSONValue } from "convex/values";
import type { TokenVerifier } from "./standInAuth.js";
import type { StandInDeployment } from "./standInDeployment.js";

/** Status ConvexHttpClient expects for a function that threw. */
const STATUS_FUNCTION_FAILED = 560;
/** Largest request body accepted, in bytes (Convex allows 8 MiB of arguments; some slack for JSON). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Lets a page served from another loopback port call the stand-in, as browsers call Convex. */
const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "content-type, authorization, convex-client",
  "access-control-allow-methods": "POST, OPTIONS",
};

/** Function calls answered, by kind (HTTP requests and WebSocket requests; subscription reruns not counted). */
export type CallCounts = { query: number; mutation: number; action: number };

export type HttpApiContext = {
  deployment: StandInDeployment;
  verifyToken: TokenVerifier;
  calls: CallCounts;
  /** True while a simulated outage is on: every call gets 503. */
  unreachable: () => boolean;
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

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", ...CORS_HEADERS });
  res.end(JSON.stringify(body));
}

/** Answers one HTTP request (any path: unknown ones get 404). Never throws. */
export async function handleHttpApi(req: http.IncomingMessage, res: http.ServerResponse, context: HttpApiContext): Promise<void> {
  if (req.method === "OPTIONS") {
    res.writeHead(204, CORS_HEADERS);
    res.end();
    return;
  }
  const kind = /^\/api\/(query|mutation|action)$/.exec(req.url ?? "")?.[1] as keyof CallCounts | undefined;
  if (req.method !== "POST" || kind === undefined) return send(res, 404, { error: `no route ${req.method} ${req.url}` });
  if (context.unreachable()) return send(res, 503, { error: "local Convex stand-in: simulated outage" });
  let request: { path?: unknown; args?: unknown };
  try {
    request = JSON.parse(await readBody(req)) as typeof request;
  } catch (error) {
    return send(res, 400, { error: `bad request: ${(error as Error).message}` });
  }
  if (typeof request.path !== "string" || !Array.isArray(request.args)) {
    return send(res, 400, { error: 'bad request: send {"path": "module:function", "args": [{...}]}' });
  }
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  const identity = token === undefined ? null : await context.verifyToken(token);
  if (token !== undefined && identity === null) {
    return send(res, 401, { code: "Unauthenticated", message: "The stand-in rejected this auth token; sign in again." });
  }
  const args = request.args as JSONValue[];
  context.calls[kind] += 1;
  const outcome =
    kind === "query"
      ? await context.deployment.run("query", request.path, args, identity)
      : kind === "mutation"
        ? (await context.deployment.mutation(request.path, args, identity)).outcome
        : await context.deployment.action(request.path, args, identity);
  if (outcome.success) return send(res, 200, { status: "success", value: outcome.value, logLines: [] });
  send(res, STATUS_FUNCTION_FAILED, {
    status: "error",
    errorMessage: outcome.errorMessage,
    ...(outcome.errorData !== undefined ? { errorData: outcome.errorData } : {}),
    logLines: [],
  });
}
