/** The codex app-server side: finding and spawning the binary, JSONL framing, JSON-RPC, the protocol types, stderr logs. */
export { CODEX_BIN_ENV, codexVersion, findCodexBinary } from "./codexBinary.js";
export type { CodexBinary, CodexBinarySource, FindCodexBinaryOptions } from "./codexBinary.js";
export { CodexProcess, declineServerRequest } from "./codexProcess.js";
export type { CodexProcessOptions, ProgressCell } from "./codexProcess.js";
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
