/**
 * The production {@link IngestTransport}: a `ConvexHttpClient` calling the host
 * app's public mutations that wrap the component's `ensureSession` and
 * `ingestSafe`. They live in one module of the host's `convex/` folder, the
 * "API module" (`api` option; `--api` / `CODEX_CONVEX_API` on the CLI):
 * `codex` by default, i.e. `convex/codex.ts` exporting `ensureSession` and
 * `ingestSafe`, called as `codex:ensureSession` and `codex:ingestSafe`.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference, type DefaultFunctionArgs, type FunctionReference } from "convex/server";
import type { IngestResult, SessionState } from "../../shared/validators.js";
import { BridgeError } from "../errors.js";
import { rememberSecret } from "../secrets.js";
import { classifyConvexFailure, parseRetryAfter, type HttpOutcome } from "./convexErrors.js";
import type { EnsureSessionArgs, IngestArgs, IngestTransport } from "./transport.js";

/** Default API module: the host's `convex/codex.ts`. */
export const DEFAULT_API_MODULE = "codex";

/** Default name of the host app's mutation wrapping the component's `ensureSession`. */
export const DEFAULT_ENSURE_SESSION_MUTATION = `${DEFAULT_API_MODULE}:ensureSession`;

/** Default name of the host app's mutation wrapping the component's `ingestSafe`. */
export const DEFAULT_INGEST_SAFE_MUTATION = `${DEFAULT_API_MODULE}:ingestSafe`;

/** A module path of a Convex `convex/` folder: segments of letters, digits, `_`, `-`, `.`, joined by `/`, no extension. */
const API_MODULE_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;

/**
 * Checks an API module path (`"codex"`, `"bridge/codex"`).
 * @returns The module path, unchanged.
 * @throws BridgeError `INVALID_ARGUMENT` for an empty path, a file extension,
 *   a function name (`:`), or characters Convex does not allow, saying what to pass instead.
 */
export function checkApiModule(module: string): string {
  const hint = "Pass the module path of the host's convex/ file that exports ensureSession and ingestSafe, e.g. codex or bridge/codex.";
  if (module.includes(":")) {
    throw new BridgeError("INVALID_ARGUMENT", `The API module ${JSON.stringify(module)} names a function; give only the module. ${hint}`);
  }
  if (/\.(m|c)?[jt]sx?$/.test(module)) {
    throw new BridgeError("INVALID_ARGUMENT", `The API module ${JSON.stringify(module)} has a file extension; drop it. ${hint}`);
  }
  if (!API_MODULE_PATTERN.test(module)) {
    throw new BridgeError("INVALID_ARGUMENT", `${JSON.stringify(module)} is not a Convex module path. ${hint}`);
  }
  return module;
}

/** How long one HTTP request to Convex may take before it is aborted, in ms. */
export const REQUEST_TIMEOUT_MS = 60_000;

/** Options of {@link ConvexHttpTransport}. */
export type ConvexHttpTransportOptions = {
  /** Deployment URL, e.g. `https://happy-animal-123.convex.cloud` (or `http://127.0.0.1:3210` when local). */
  url: string;
  /**
   * The host's API module: the path, under its `convex/` folder and without
   * extension, of the file exporting the `ensureSession` and `ingestSafe`
   * wrappers (e.g. `"bridge/codex"` for `convex/bridge/codex.ts`). Default
   * {@link DEFAULT_API_MODULE}.
   */
  api?: string;
  /** Host mutation for `ensureSession`, overriding `api`; default `<api>:ensureSession`. */
  ensureSessionMutation?: string;
  /** Host mutation for `ingestSafe`, overriding `api`; default `<api>:ingestSafe`. */
  ingestSafeMutation?: string;
  /** JWT sent as `Authorization: Bearer …`; can be replaced later with {@link ConvexHttpTransport.setAuth}. Remembered as a secret codex never sees. */
  authToken?: string;
  /** Device secret from `codex-convex pair`, sent as the `deviceSecret` argument of every call (never logged). */
  deviceSecret?: string;
  /** Per-request timeout in ms; default {@link REQUEST_TIMEOUT_MS}. */
  requestTimeoutMs?: number;
  /** Skip the client's check that the URL looks like a Convex deployment (self-hosted backends). */
  skipConvexDeploymentUrlCheck?: boolean;
  /** Print the mutations' `console.log` lines (the client's logger); default false. */
  logFunctionLines?: boolean;
  /** The `fetch` to use; default the global one (tests may wrap it). */
  fetch?: typeof globalThis.fetch;
};

/** The HTTP outcome of the call running in this async context (several sessions call at once). */
const currentCall = new AsyncLocalStorage<HttpOutcome>();

type Mutation<Args extends DefaultFunctionArgs, Result> = FunctionReference<"mutation", "public", Args, Result>;

/**
 * Calls the host app's mutations over HTTP.
 *
 * ```ts
 * const transport = new ConvexHttpTransport({ url: process.env.CONVEX_URL!, authToken });
 * const pusher = new Pusher({ outbox, transport, sessionId });
 * ```
 */
export class ConvexHttpTransport implements IngestTransport {
  private readonly client: ConvexHttpClient;
  private readonly ensureSessionRef: Mutation<EnsureSessionArgs, SessionState>;
  private readonly ingestSafeRef: Mutation<IngestArgs, IngestResult>;
  private readonly names: { ensureSession: string; ingestSafe: string };
  private readonly device: { deviceSecret?: string };

  /**
   * @param options - See {@link ConvexHttpTransportOptions}.
   * @throws BridgeError `INVALID_ARGUMENT` when the URL is not a valid
   *   deployment URL, or `api` is not a module path (see {@link checkApiModule}).
   */
  constructor(options: ConvexHttpTransportOptions) {
    const timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    const baseFetch = options.fetch ?? globalThis.fetch;
    const timedFetch: typeof globalThis.fetch = async (input, init) => {
      const response = await baseFetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      const outcome = currentCall.getStore();
      if (outcome) {
        outcome.status = response.status;
        outcome.retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      }
      return response;
    };
    try {
      this.client = new ConvexHttpClient(options.url, {
        skipConvexDeploymentUrlCheck: options.skipConvexDeploymentUrlCheck ?? false,
        logger: options.logFunctionLines ?? false,
        fetch: timedFetch,
      });
    } catch (error) {
      throw new BridgeError(
        "INVALID_ARGUMENT",
        `Invalid Convex deployment URL ${JSON.stringify(options.url)}: ${errorMessage(error)}`,
        { cause: error },
      );
    }
    if (options.authToken !== undefined) this.setAuth(options.authToken);
    const api = checkApiModule(options.api ?? DEFAULT_API_MODULE);
    if (options.deviceSecret) rememberSecret(options.deviceSecret);
    this.device = options.deviceSecret ? { deviceSecret: options.deviceSecret } : {};
    this.names = {
      ensureSession: options.ensureSessionMutation ?? `${api}:ensureSession`,
      ingestSafe: options.ingestSafeMutation ?? `${api}:ingestSafe`,
    };
    this.ensureSessionRef = makeFunctionReference<"mutation", EnsureSessionArgs, SessionState>(this.names.ensureSession);
    this.ingestSafeRef = makeFunctionReference<"mutation", IngestArgs, IngestResult>(this.names.ingestSafe);
  }

  /** The host functions called: `{ ensureSession, ingestSafe }` as `module:function` paths. */
  get functionNames(): { ensureSession: string; ingestSafe: string } {
    return { ...this.names };
  }

  /**
   * Replaces the auth token (JWT) used for later calls, e.g. after a refresh.
   * The token is remembered as a secret: codex started after this never sees
   * it in its environment (see `codex/codexEnv.ts`).
   */
  setAuth(token: string): void {
    rememberSecret(token);
    this.client.setAuth(token);
  }

  /** Drops the auth token: later calls are unauthenticated. */
  clearAuth(): void {
    this.client.clearAuth();
  }

  /**
   * Calls the host's `ensureSession` mutation.
   * @returns The session's state (`ackedSeq` = last seq Convex applied).
   * @throws BridgeError `TRANSPORT_FAILED` for what a retry may fix (network,
   *   timeout, HTTP 5xx/408/429, OCC, overload, an unexpected answer); a
   *   permanent code (`UNAUTHENTICATED`, `SESSION_MISMATCH`, `FUNCTION_NOT_FOUND`,
   *   `FUNCTION_FAILED`, `CONVEX_REJECTED`, ...) for what it cannot; see
   *   `convexErrors.ts`. `cause` holds the underlying error.
   */
  async ensureSession(args: EnsureSessionArgs): Promise<SessionState> {
    const value = await this.mutate(this.names.ensureSession, () => this.client.mutation(this.ensureSessionRef, { ...args, ...this.device }, { skipQueue: true }));
    if (!isRecord(value) || typeof value.sessionId !== "string" || typeof value.ackedSeq !== "number" || typeof value.created !== "boolean") {
      throw this.unexpected(this.names.ensureSession, value);
    }
    return { sessionId: value.sessionId, ackedSeq: value.ackedSeq, created: value.created };
  }

  /**
   * Calls the host's `ingestSafe` mutation with one batch.
   * @returns What the batch did, in seq terms.
   * @throws BridgeError as for {@link ConvexHttpTransport.ensureSession}, plus
   *   `INVALID_BATCH` / `PAYLOAD_TOO_LARGE` when the component refuses the batch.
   *   After `TRANSPORT_FAILED` the batch may or may not have been applied; resending it is safe.
   */
  async ingestSafe(args: IngestArgs): Promise<IngestResult> {
    const value = await this.mutate(this.names.ingestSafe, () => this.client.mutation(this.ingestSafeRef, { ...args, ...this.device }, { skipQueue: true }));
    if (
      !isRecord(value) ||
      typeof value.ackedSeq !== "number" ||
      typeof value.applied !== "number" ||
      typeof value.duplicates !== "number" ||
      !(value.gap === null || (isRecord(value.gap) && typeof value.gap.expectedSeq === "number" && typeof value.gap.receivedSeq === "number"))
    ) {
      throw this.unexpected(this.names.ingestSafe, value);
    }
    const gap = value.gap === null ? null : { expectedSeq: value.gap.expectedSeq as number, receivedSeq: value.gap.receivedSeq as number };
    return { ackedSeq: value.ackedSeq, applied: value.applied, duplicates: value.duplicates, gap };
  }

  private async mutate(name: string, call: () => Promise<unknown>): Promise<unknown> {
    const outcome: HttpOutcome = {};
    try {
      return await currentCall.run(outcome, call);
    } catch (error) {
      throw classifyConvexFailure(error, outcome, { functionName: `mutation ${name}`, url: this.client.url });
    }
  }

  private unexpected(name: string, value: unknown): BridgeError {
    return new BridgeError(
      "TRANSPORT_FAILED",
      `Mutation ${name} answered ${preview(value)}, which is not what the codex-convex component returns. ` +
        "Check that the host app's mutation returns the component's answer unchanged.",
    );
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}

function preview(value: unknown): string {
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 200);
  } catch {
    return String(value);
  }
}
