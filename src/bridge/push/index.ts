/** Pushing the outbox to Convex: the transport, batching, coalescing, linger, backoff, oversize lines. */
export { coalesceDeltas, MAX_COALESCED_DELTA_BYTES, TEXT_DELTA_METHODS } from "./coalesce.js";
export {
  checkApiModule,
  ConvexHttpTransport,
  DEFAULT_API_MODULE,
  DEFAULT_ENSURE_SESSION_MUTATION,
  DEFAULT_INGEST_SAFE_MUTATION,
} from "./convexHttpTransport.js";
export { classifyConvexFailure, MAX_RETRY_AFTER_MS, parseRetryAfter } from "./convexErrors.js";
export type { CallContext, HttpOutcome } from "./convexErrors.js";
export type { ConvexHttpTransportOptions } from "./convexHttpTransport.js";
export { DEFAULT_PUSH_LINGER_MS, MAX_PUSH_LINGER_MS } from "./linger.js";
export { MAX_PUSHED_LINE_BYTES, shrinkOversizeLine, TRUNCATION_KEY } from "./oversize.js";
export { MAX_BATCH_BYTES, MAX_BATCH_EVENTS, Pusher } from "./pusher.js";
export type { FlushResult, PusherOptions, PusherState, PusherStats } from "./pusher.js";
export type { EnsureSessionArgs, IngestArgs, IngestTransport } from "./transport.js";
