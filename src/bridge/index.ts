/**
 * The bridge as a library (`codex-convex/bridge`): what the CLI is built from.
 * Names are re-exported explicitly; see each module for its contract.
 */
export { Bridge, DEFAULT_MAX_CONCURRENT_JOBS, DONE_FLUSH_TIMEOUT_MS, SHARED_CODEX_META_KEY, SHUTDOWN_FLUSH_TIMEOUT_MS, ThreadSlots } from "./jobs/index.js";
export type { BridgeOptions, BridgeSnapshot, BridgeSummary, LeftBehind, PushStop, SessionSummary } from "./jobs/index.js";
export { BACKPRESSURE_HEADROOM_BYTES, BACKPRESSURE_POLL_MS, BACKPRESSURE_RESUME_RATIO } from "./jobs/index.js";
export type { BackpressureOptions } from "./jobs/index.js";
export { coalesceDeltas, MAX_COALESCED_DELTA_BYTES, TEXT_DELTA_METHODS } from "./push/index.js";
export { CODEX_BIN_ENV, codexVersion, findCodexBinary } from "./codex/index.js";
export type { CodexBinary, CodexBinarySource, FindCodexBinaryOptions } from "./codex/index.js";
export { CodexProcess, declineServerRequest } from "./codex/index.js";
export type { CodexProcessOptions, ProgressCell } from "./codex/index.js";
export { CODEX_PROCESS_MODES, DEFAULT_CODEX_PROCESS_MODE, MAX_SHARED_CODEX_RESTARTS, SharedCodex } from "./codex/index.js";
export type { CodexLauncher, CodexLease, CodexProcessMode, SharedCodexOptions } from "./codex/index.js";
export { checkApiModule, ConvexHttpTransport, DEFAULT_API_MODULE } from "./push/index.js";
export type { ConvexHttpTransportOptions } from "./push/index.js";
export { runDoctor } from "./cli/index.js";
export type { Check, CheckStatus, DoctorOptions } from "./cli/index.js";
export {
  adviceFor,
  BRIDGE_WIDE_ERROR_CODES,
  BridgeError,
  isBridgeError,
  isPermanentError,
  PERMANENT_ERROR_ADVICE,
  PERMANENT_ERROR_CODES,
} from "./errors.js";
export type { BridgeErrorCode, PermanentPushCode } from "./errors.js";
export { rememberSecret } from "./secrets.js";
export { codexEnvironment, PUBLIC_CONVEX_ENV_KEYS } from "./codex/index.js";
export type { CodexEnvironmentOptions } from "./codex/index.js";
export { classifyConvexFailure, MAX_RETRY_AFTER_MS } from "./push/index.js";
export { JobRunner, MAX_CODEX_RESTARTS, MAX_TURN_ATTEMPTS } from "./jobs/index.js";
export type { JobResult, JobRunnerOptions, JobState, TurnReport } from "./jobs/index.js";
export { checkContinuation, newJobId, readJobs, toJob } from "./jobs/index.js";
export type { Job } from "./jobs/index.js";
export { LOG_LEVELS, SILENT_LOG } from "./log.js";
export type { BridgeLog, LogLevel } from "./log.js";
export { DEFAULT_MAX_PENDING_BYTES, Outbox, SCHEMA_VERSION } from "./outbox/index.js";
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
} from "./outbox/index.js";
export { outboxStatus } from "./outbox/index.js";
export type { OutboxStatus, SessionStatus } from "./outbox/index.js";
export { MAX_PUSHED_LINE_BYTES, shrinkOversizeLine, TRUNCATION_KEY } from "./push/index.js";
export { observeLines, readProgress } from "./jobs/index.js";
export type { JobProgress, TurnOutcome, TurnRef } from "./jobs/index.js";
export { MAX_BATCH_BYTES, MAX_BATCH_EVENTS, Pusher } from "./push/index.js";
export { DEFAULT_PUSH_LINGER_MS, MAX_PUSH_LINGER_MS } from "./push/index.js";
export type { FlushResult, PusherOptions, PusherState, PusherStats } from "./push/index.js";
export { run } from "./jobs/index.js";
export type { RunOptions, RunSummary } from "./jobs/index.js";
export { SessionHandle, TURN_FAILED_METHOD } from "./jobs/index.js";
export type { PusherTuning, SessionHandleOptions } from "./jobs/index.js";
export { RotatingLog } from "./codex/index.js";
export type { EnsureSessionArgs, IngestArgs, IngestTransport } from "./push/index.js";
export { DECLINE_AT_ONCE, ServerRequestBroker, UNATTENDED_POLICIES, unattendedAnswer } from "./codex/index.js";
export type { ServerRequestAnswer, ServerRequestPolicy, UnattendedPolicy } from "./codex/index.js";
export { SERVER_REQUEST_EXPIRED_METHOD } from "./jobs/index.js";
export type { PendingServerRequest } from "./jobs/index.js";
export { bridgeAuth, credentialsFile, pairDevice, readDeviceCredential } from "./device/index.js";
export type { DeviceCredential, PairOptions, PairResult } from "./device/index.js";
export { CommandLog, CommandLoop, ConvexCommandSource } from "./serve/index.js";
export type { CommandLoopOptions, CommandOutcome, CommandSource, DeviceCommand } from "./serve/index.js";
