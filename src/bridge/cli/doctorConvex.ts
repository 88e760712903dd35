/**
 * `doctor`'s look at the Convex side: is the URL a Convex deployment, does it
 * serve the host app's codex functions, and does it accept the token? Found
 * by calling one cheap host query (`<api>:listSessions`, limit 1) the way
 * `ConvexHttpClient` does (`POST /api/query`), so a 404 page, a wrong
 * deployment, missing wrappers and a refused token each get their own verdict.
 */
import type { Check } from "./doctor.js";

/** How long the Convex URL gets to answer, in ms. */
export const DOCTOR_HTTP_TIMEOUT_MS = 5_000;

/** The host module the bridge's wrappers live in when none is given (`convex/codex.ts`). */
export const DEFAULT_DOCTOR_API_MODULE = "codex";

/** The host query doctor calls: cheap, read-only, and behind the host's auth like every wrapper. */
export const PROBE_FUNCTION = "listSessions";

/** Status Convex answers when a function threw (`ConvexHttpClient`'s `STATUS_CODE_UDF_FAILED`). */
const STATUS_FUNCTION_FAILED = 560;

/** Longest piece of an unexpected answer quoted in a verdict, in characters. */
const MAX_QUOTED_CHARS = 160;

/** Inputs of {@link probeConvex}. */
export type ConvexProbeOptions = {
  url?: string;
  authToken?: string;
  /** The host module exporting the wrappers; default {@link DEFAULT_DOCTOR_API_MODULE}. */
  api?: string;
  /** Default {@link DOCTOR_HTTP_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Name of the device this machine is paired as with the deployment, when it is (the bridge's credential when no token is given). */
  pairedDevice?: string;
};

/** A check's verdict without its name. */
export type Verdict = Omit<Check, "name">;

/** The two verdicts of {@link probeConvex}. */
export type ConvexProbe = { deployment: Verdict; token: Verdict };

/** What a Convex deployment answers on `/api/query`. */
export type QueryAnswer = { status?: unknown; value?: unknown; errorMessage?: unknown; errorData?: unknown };

/** A Convex `/api/query` call as doctor sees it: the HTTP answer, or why there was none. */
export type QueryCall =
  | { kind: "unreachable"; detail: string }
  | { kind: "answered"; status: number; ok: boolean; text: string; answer: QueryAnswer | null; ms: number };

/**
 * Calls the public query `fn` of the deployment at `endpoint` the way
 * `ConvexHttpClient` does (`POST /api/query`, `convex_encoded_json`).
 * Never throws: a network failure or timeout is `unreachable`.
 * @param authToken - Sent as `Authorization: Bearer` when given.
 * @param timeoutMs - Bound on the whole call, in ms.
 */
export async function postQuery(endpoint: URL, fn: string, args: Record<string, unknown>, authToken: string | undefined, timeoutMs: number): Promise<QueryCall> {
  const started = Date.now();
  try {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authToken ? { authorization: `Bearer ${authToken}` } : {}) },
      body: JSON.stringify({ path: fn, format: "convex_encoded_json", args: [args] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { kind: "answered", status: response.status, ok: response.ok, text, answer: parseAnswer(text), ms: Date.now() - started };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { kind: "unreachable", detail: cause ?? (error as Error).message };
  }
}

/**
 * The `/api/query` endpoint of a deployment URL, or null when `url` is not http(s).
 */
export function queryEndpoint(url: string): URL | null {
  try {
    const endpoint = new URL("api/query", `${url.replace(/\/+$/, "")}/`);
    return /^https?:$/.test(endpoint.protocol) ? endpoint : null;
  } catch {
    return null;
  }
}

/**
 * Calls `<api>:listSessions` at `url` with the token and judges the answer.
 * Never throws: a network failure is a failed deployment verdict.
 * @returns `deployment` (the URL is a Convex deployment serving the host
 *   functions) and `token` (accepted, refused, or not checked). With no token
 *   but a paired device (`pairedDevice`), the bridge signs in with the
 *   device secret instead, so a host that wants a signed-in user for
 *   `listSessions` does not fail the token check (doctor's "paired device"
 *   check judges the device).
 */
export async function probeConvex(options: ConvexProbeOptions): Promise<ConvexProbe> {
  const notChecked = (why: string): Verdict => ({ status: "warn", detail: `not checked: ${why}` });
  const { url, authToken } = options;
  if (!url) return { deployment: { status: "fail", detail: "not set: pass --convex-url or set CONVEX_URL" }, token: notChecked("no Convex URL") };
  const endpoint = queryEndpoint(url);
  if (endpoint === null) {
    return { deployment: { status: "fail", detail: `${url} is not an http(s) URL; use https://<name>.convex.cloud` }, token: notChecked("no valid URL") };
  }
  const fn = `${options.api ?? DEFAULT_DOCTOR_API_MODULE}:${PROBE_FUNCTION}`;
  const call = await postQuery(endpoint, fn, { limit: 1 }, authToken, options.timeoutMs ?? DOCTOR_HTTP_TIMEOUT_MS);
  if (call.kind === "unreachable") {
    return {
      deployment: { status: "fail", detail: `${url} did not answer: ${call.detail}. Check the URL and the network.` },
      token: notChecked("the deployment did not answer"),
    };
  }
  const { answer, ms, text } = call;
  if (call.status === 401 || call.status === 403) {
    return {
      deployment: { status: "ok", detail: `${url} answered HTTP ${call.status} in ${ms} ms (it checks tokens before running ${fn})` },
      token: { status: "fail", detail: `refused by the deployment (HTTP ${call.status}: ${quote(text)}). Get a fresh token your app's auth accepts.` },
    };
  }
  if (answer === null || (!call.ok && call.status !== STATUS_FUNCTION_FAILED)) {
    return {
      deployment: {
        status: "fail",
        detail:
          `${url} is not a Convex deployment: POST /api/query answered HTTP ${call.status} ${quote(text)}. ` +
          "Use the deployment URL (https://<name>.convex.cloud, CONVEX_URL in .env.local after `npx convex dev`).",
      },
      token: notChecked("not a Convex deployment"),
    };
  }
  if (answer.status === "success") {
    const sessions = Array.isArray(answer.value) ? ` (${answer.value.length === 0 ? "no sessions yet" : "sessions readable"})` : "";
    return {
      deployment: { status: "ok", detail: `${url} is a Convex deployment serving ${fn} (${ms} ms)` },
      token: authToken
        ? { status: "ok", detail: `accepted: ${fn} answered for its user${sessions}` }
        : { status: "ok", detail: `not set, and the host app answered without one${sessions}` },
    };
  }
  const message = typeof answer.errorMessage === "string" ? answer.errorMessage : "";
  if (/Could not find (public )?function/i.test(message)) {
    return {
      deployment: {
        status: "fail",
        detail:
          `${url} is a Convex deployment without ${fn}: export the wrappers from convex/${options.api ?? DEFAULT_DOCTOR_API_MODULE}.ts ` +
          "(`defineCodexApi(components.codex)`, see the README) and run `npx convex dev` or `npx convex deploy`.",
      },
      token: notChecked(`${fn} is missing`),
    };
  }
  const code = errorCode(answer.errorData);
  const deployment: Verdict = { status: "ok", detail: `${url} is a Convex deployment serving ${fn} (${ms} ms)` };
  if (code === "UNAUTHENTICATED") {
    if (!authToken && options.pairedDevice) {
      return { deployment, token: { status: "ok", detail: `not set: the bridge signs in as the paired device "${options.pairedDevice}"` } };
    }
    return {
      deployment,
      token: authToken
        ? { status: "fail", detail: "not accepted: the host app found no signed-in user for it (UNAUTHENTICATED). Get a fresh token your app's auth accepts." }
        : {
            status: "fail",
            detail:
              "not set, and the host app needs a signed-in user (UNAUTHENTICATED): pass --auth-token or set CODEX_CONVEX_AUTH_TOKEN, " +
              "or pair this machine with `codex-convex pair <code>`.",
          },
    };
  }
  return {
    deployment: { status: "fail", detail: `${url} is a Convex deployment, but ${fn} failed: ${quote(code ? `[${code}] ${message}` : message)}` },
    token: notChecked(`${fn} failed`),
  };
}

function parseAnswer(text: string): QueryAnswer | null {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || !("status" in parsed)) return null;
    return parsed as QueryAnswer;
  } catch {
    return null;
  }
}

/** The `code` of a ConvexError's data, or null. */
export function errorCode(data: unknown): string | null {
  const code = typeof data === "object" && data !== null ? (data as { code?: unknown }).code : undefined;
  return typeof code === "string" ? code : null;
}

/** `text` on one line, cut to MAX_QUOTED_CHARS, JSON-quoted. */
export function quote(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return JSON.stringify(flat.length > MAX_QUOTED_CHARS ? `${flat.slice(0, MAX_QUOTED_CHARS)}…` : flat);
}
