/**
 * The production {@link IngestTransport}: a `ConvexHttpClient` calling the host
 * app's public mutations that wrap the component's `ensureSession` and
 * `ingestSafe` (by default `codex:ensureSession` and `codex:ingestSafe`, i.e.
 * exported from the host's `convex/codex.ts`).
 */
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference, type DefaultFunctionArgs, type FunctionReference } from "convex/server";
import type { IngestResult, SessionState } from "../../shared/validators.js";
import { BridgeError } from "../errors.js";
import type { EnsureSessionArgs, IngestArgs, IngestTransport } from "./transport.js";

/** Default name of the host app's mutation wrapping the component's `ensureSession`. */
export const DEFAULT_ENSURE_SESSION_MUTATION = "codex:ensureSession";

/** Default name of the host app's mutation wrapping the component's `ingestSafe`. */
export const DEFAULT_INGEST_SAFE_MUTATION = "codex:ingestSafe";

/** How long one HTTP request to Convex may take before it is aborted, in ms. */
export const REQUEST_TIMEOUT_MS = 60_000;

/** Options of {@link ConvexHttpTransport}. */
export type ConvexHttpTransportOptions = {
  /** Deployment URL, e.g. `https://happy-animal-123.convex.cloud` (or `http://127.0.0.1:3210` when local). */
  url: string;
  /** Host mutation for `ensureSession`; default {@link DEFAULT_ENSURE_SESSION_MUTATION}. */
  ensureSessionMutation?: string;
  /** Host mutation for `ingestSafe`; default {@link DEFAULT_INGEST_SAFE_MUTATION}. */
  ingestSafeMutation?: string;
  /** JWT sent as `Authorization: Bearer …`; can be replaced later with {@link ConvexHttpTransport.setAuth}. */
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
   * @throws BridgeError `INVALID_ARGUMENT` when the URL is not a valid deployment URL.
   */
  constructor(options: ConvexHttpTransportOptions) {
    const timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
    const baseFetch = options.fetch ?? globalThis.fetch;
    const timedFetch: typeof globalThis.fetch = (input, init) =>
      baseFetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
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
    if (options.authToken !== undefined) this.client.setAuth(options.authToken);
    this.device = options.deviceSecret ? { deviceSecret: options.deviceSecret } : {};
    this.names = {
      ensureSession: options.ensureSessionMutation ?? DEFAULT_ENSURE_SESSION_MUTATION,
      ingestSafe: options.ingestSafeMutation ?? DEFAULT_INGEST_SAFE_MUTATION,
    };
    this.ensureSessionRef = makeFunctionReference<"mutation", EnsureSessionArgs, SessionState>(this.names.ensureSession);
    this.ingestSafeRef = makeFunctionReference<"mutation", IngestArgs, IngestResult>(this.names.ingestSafe);
  }

  /** Replaces the auth token (JWT) used for later calls, e.g. after a refresh. */
  setAuth(token: string): void {
    this.client.setAuth(token);
  }

  /** Drops the auth token: later calls are unauthenticated. */
  clearAuth(): void {
    this.client.clearAuth();
  }

  /**
   * Calls the host's `ensureSession` mutation.
   * @returns The session's state (`ackedSeq` = last seq Convex applied).
   * @throws BridgeError `TRANSPORT_FAILED` when the request fails (network, HTTP
   *   status, timeout), the mutation throws, or it answers an unexpected shape;
   *   `cause` holds the underlying error.
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
   * @throws BridgeError `TRANSPORT_FAILED` as for {@link ConvexHttpTransport.ensureSession}.
   *   The batch may or may not have been applied; resending it is safe.
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
    try {
      return await call();
    } catch (error) {
      throw new BridgeError(
        "TRANSPORT_FAILED",
        `Calling mutation ${name} on ${this.client.url} failed: ${errorMessage(error)}. ` +
          "Check the deployment URL, the network, the auth token, and that the host app exports this mutation.",
        { cause: error },
      );
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
