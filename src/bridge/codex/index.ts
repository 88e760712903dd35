/** The codex app-server side: finding and spawning the binary, JSONL framing, JSON-RPC, the protocol types, stderr logs. */
export { CODEX_BIN_ENV, codexVersion, findCodexBinary } from "./codexBinary.js";
export type { CodexBinary, CodexBinarySource, FindCodexBinaryOptions } from "./codexBinary.js";
export { CodexProcess, declineServerRequest } from "./codexProcess.js";
export type { CodexProcessOptions, ProgressCell } from "./codexProcess.js";
export { CODEX_PROCESS_MODES, DEFAULT_CODEX_PROCESS_MODE } from "./codexLease.js";
export type { CodexLauncher, CodexLease, CodexProcessMode } from "./codexLease.js";
export { LineRouter, THREAD_CREATING_METHODS, threadOfParams } from "./lineRouter.js";
export { CODEX_EXITED_METHOD, SessionSink } from "./sessionSink.js";
export type { SessionSinkOptions } from "./sessionSink.js";
export {
  MAX_SHARED_CODEX_RESTARTS,
  SHARED_CODEX_MAX_RESTART_DELAY_MS,
  SHARED_CODEX_RESTART_DELAY_MS,
  SHARED_CODEX_STABLE_MS,
  SharedCodex,
} from "./sharedCodex.js";
export type { SharedCodexOptions } from "./sharedCodex.js";
export { LEASE_RELEASE_TIMEOUT_MS } from "./sharedLease.js";
export { ENDED_THREAD_LINE_METHOD, LINES_NOT_STORED_METHOD } from "./sharedProcess.js";
export { runTurn, TURN_FAILED_METHOD, TURN_INTERRUPT_GRACE_MS } from "./turnRunner.js";
export type { CompletedTurn, TurnHost } from "./turnRunner.js";
export { RotatingLog } from "./stderrLog.js";
export { BRIDGE_ENV_PREFIX, codexEnvironment, isBridgeCredentialName, PUBLIC_CONVEX_ENV_KEYS } from "./codexEnv.js";
export type { CodexEnvironmentOptions } from "./codexEnv.js";
export { DECLINE_AT_ONCE, ServerRequestBroker, threadOf } from "./serverRequestBroker.js";
export type { AnswerRefusal, HeldRequest, RequestOrigin, ServerRequestPolicy } from "./serverRequestBroker.js";
export { UNATTENDED_POLICIES, unattendedAnswer } from "./unattended.js";
export type { ServerRequestAnswer, UnattendedPolicy } from "./unattended.js";
export { ACCOUNT_READ_TIMEOUT_MS, describeAccount, readCodexAccount } from "./codexAccount.js";
export { NOT_SIGNED_IN_MESSAGE, notSignedIn } from "./codexLogin.js";
export type { CodexAccountOptions } from "./codexAccount.js";
export { CODEX_RETRY_TIMEOUT_MS, TurnWatch } from "./turnWatch.js";
