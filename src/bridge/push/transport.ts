/**
 * The one small interface through which the bridge reaches Convex.
 * Production uses {@link ConvexHttpTransport} (a `ConvexHttpClient` calling the
 * host app's wrappers); tests use a convex-test instance behind the same shape.
 */
import type {
  CodexEvent,
  IngestResult,
  SessionState,
} from "../../shared/validators.js";

/** Arguments of `ensureSession` as the bridge sends them. */
export type EnsureSessionArgs = {
  /** Bridge-generated session id, stable across bridge restarts (from the outbox). */
  sessionId: string;
  /** Version string codex reported at `initialize` (its `userAgent`), if known. */
  codexVersion?: string;
  /** Host name of the machine the bridge runs on, if known. */
  hostname?: string;
  /** The device secret (paired bridges); the transport adds it, callers leave it out. */
  deviceSecret?: string;
};

/** Arguments of `ingestSafe`: a batch of events in ascending seq order. */
export type IngestArgs = {
  sessionId: string;
  events: CodexEvent[];
  /** The device secret (paired bridges); the transport adds it, callers leave it out. */
  deviceSecret?: string;
};

export interface IngestTransport {
  /** Registers (or finds) the session; resolves to the last acknowledged seq. */
  ensureSession(args: EnsureSessionArgs): Promise<SessionState>;
  /** Applies a batch; resolves to the seqs applied. Rejects on transport failure. */
  ingestSafe(args: IngestArgs): Promise<IngestResult>;
}
