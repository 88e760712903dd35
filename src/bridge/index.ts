/**
 * The bridge as a library (`codex-convex/bridge`): what the CLI is built from.
 * Names are re-exported explicitly; see each module for its contract.
 */
export { Bridge, DEFAULT_MAX_CONCURRENT_JOBS, DONE_FLUSH_TIMEOUT_MS, SHUTDOWN_FLUSH_TIMEOUT_MS } from "./bridge.js";
export type { BridgeOptions, BridgeSnapshot, BridgeSummary, SessionSummary } from "./bridge.js";
export { BACKPRESSURE_HEADROOM_BYTES, BACKPRESSURE_POLL_MS, BACKPRESSURE_RESUME_RATIO } from "./backpressure.js";
export type { BackpressureOptions } from "./backpressure.js";
export { coalesceDeltas, MAX_COALESCED_DELTA_BYTES, TEXT_DELTA_METHODS } from "./coalesce.js";
export { CODEX_BIN_ENV, codexVersion, findCodexBinary } from "./codexBinary.js";
export type { CodexBinary, CodexBinarySource, FindCodexBinaryOptions } from "./codexBinary.js";
export { CodexProcess, declineServerRequest } from "./codexProcess.js";
export type { CodexProcessOptions, ProgressCell } from "./codexProcess.js";
export { ConvexHttpTransport } from "./convexHttpTransport.js";
export type { ConvexHttpTransportOptions } from "./convexHttpTransport.js";
export { runDoctor } from "./doctor.js";
export type { Check, CheckStatus, DoctorOptions } from "./doctor.js";
export { BridgeError, isBridgeError } from "./errors.js";
export type { BridgeErrorCode } from "./errors.js";
export { JobRunner, MAX_CODEX_RESTARTS, MAX_TURN_ATTEMPTS } from "./jobRunner.js";
export type { JobResult, JobRunnerOptions, JobState, TurnReport } from "./jobRunner.js";
export { checkContinuation, newJobId, readJobs, toJob } from "./jobs.js";
export type { Job } from "./jobs.js";
export { LOG_LEVELS, SILENT_LOG } from "./log.js";
export type { BridgeLog, LogLevel } from "./log.js";
export { DEFAULT_MAX_PENDING_BYTES, Outbox, SCHEMA_VERSION } from "./outbox.js";
export type {
  AppendItem,
  AppendOptions,
  OutboxOptions,
  OutboxSynchronous,
  PendingOptions,
  SessionLifecycle,
  SessionMeta,
  SessionRecord,
  SessionStats,
} from "./outbox.js";
export { outboxStatus } from "./outboxStatus.js";
export type { OutboxStatus, SessionStatus } from "./outboxStatus.js";
export { MAX_PUSHED_LINE_BYTES, shrinkOversizeLine, TRUNCATION_KEY } from "./oversize.js";
export { observeLines, readProgress } from "./progress.js";
export type { JobProgress, TurnOutcome, TurnRef } from "./progress.js";
export { MAX_BATCH_BYTES, MAX_BATCH_EVENTS, Pusher } from "./pusher.js";
export type { FlushResult, PusherOptions, PusherState, PusherStats } from "./pusher.js";
export { run } from "./run.js";
export type { RunOptions, RunSummary } from "./run.js";
export { SessionHandle, TURN_FAILED_METHOD } from "./sessionHandle.js";
export type { PusherTuning, SessionHandleOptions } from "./sessionHandle.js";
export { RotatingLog } from "./stderrLog.js";
export type { EnsureSessionArgs, IngestArgs, IngestTransport } from "./transport.js";
