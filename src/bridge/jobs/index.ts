/** Running threads: the bridge, jobs and their runners, sessions, progress, backpressure, one-turn run. */
export { Bridge, DEFAULT_MAX_CONCURRENT_JOBS, DONE_FLUSH_TIMEOUT_MS, SHARED_CODEX_META_KEY, SHUTDOWN_FLUSH_TIMEOUT_MS } from "./bridge.js";
export { SLOT_RECHECK_MS, ThreadSlots } from "./threadSlots.js";
export type { ServeSlotUser } from "./threadSlots.js";
export type { BridgeOptions, BridgeSnapshot, BridgeSummary, LeftBehind, PushStop, SessionSummary } from "./bridge.js";
export { BACKPRESSURE_HEADROOM_BYTES, BACKPRESSURE_POLL_MS, BACKPRESSURE_RESUME_RATIO } from "./backpressure.js";
export type { BackpressureOptions } from "./backpressure.js";
export { JobRunner, MAX_CODEX_RESTARTS, MAX_TURN_ATTEMPTS } from "./jobRunner.js";
export type { JobResult, JobRunnerOptions, JobState, TurnReport } from "./jobRunner.js";
export { checkContinuation, newJobId, readJobs, toJob } from "./jobs.js";
export type { Job } from "./jobs.js";
export { observeLines, readProgress } from "./progress.js";
export type { JobProgress, TurnOutcome, TurnRef } from "./progress.js";
export { run } from "./run.js";
export type { RunOptions, RunSummary } from "./run.js";
export { SessionHandle, TURN_FAILED_METHOD } from "./sessionHandle.js";
export type { PusherTuning, SessionHandleOptions } from "./sessionHandle.js";
export { SERVER_REQUEST_EXPIRED_METHOD } from "./pendingRequests.js";
export type { PendingServerRequest } from "./pendingRequests.js";
