/** Serve mode: the desktop runs commands queued from the browser (see `commandLoop.ts`). */
export { InvalidCommand, parseCommand } from "./commandArgs.js";
export type { ParsedCommand } from "./commandArgs.js";
export { BRIDGE_RESTARTED, CommandLog } from "./commandLog.js";
export type { CommandLogEntry, CommandLogState } from "./commandLog.js";
export { COMMAND_LEASE_MS, COMMAND_RECORD_METHOD, CommandLoop, DEVICE_HEARTBEAT_MS, REQUEST_EXPIRED } from "./commandLoop.js";
export { BrowserThreads, SERVE_META_KEY } from "./browserThreads.js";
export { CommandFailure, toCommandError } from "./commandErrors.js";
export type { CommandLoopOptions } from "./commandLoop.js";
export { COMMAND_KINDS } from "./commandSource.js";
export type {
  CommandError,
  CommandKind,
  CommandOutcome,
  CommandResult,
  CommandSource,
  CommandStatus,
  DeviceCommand,
  HeartbeatArgs,
  HeartbeatResult,
  WorkspaceDeclaration,
} from "./commandSource.js";
export { ConvexCommandSource, DEFAULT_DEVICE_FUNCTIONS } from "./convexCommandSource.js";
export type { ConvexCommandSourceOptions } from "./convexCommandSource.js";
export { ServeThread } from "./serveThread.js";
