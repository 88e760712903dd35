import { components } from "./_generated/api.js";
import { defineCodexApi } from "../../src/host/index.js";

/**
 * The host app's public codex functions. The bridge calls `codex:ensureSession`
 * and `codex:ingestSafe` (with its device secret, or a user JWT), and in serve
 * mode `codex:redeemPairingCode`, `codex:deviceHeartbeat`,
 * `codex:listDeviceCommands`, `codex:claimCommand`, `codex:completeCommand`;
 * the web page's hooks call the rest. The browser's user is the signed-in
 * identity (`ctx.auth`), never an argument.
 */
export const {
  ensureSession,
  ingestSafe,
  listMessages,
  getMessageText,
  listThreads,
  getThread,
  listTurns,
  getTurnDiff,
  listServerRequests,
  saveCheckpoints,
  listCheckpoints,
  listEvents,
  listSessions,
  createPairingCode,
  listDevices,
  renameDevice,
  revokeDevice,
  startThread,
  sendMessage,
  interruptTurn,
  archiveThread,
  unarchiveThread,
  renameThread,
  forkThread,
  rollbackThread,
  answerServerRequest,
  getCommand,
  redeemPairingCode,
  deviceHeartbeat,
  listDeviceCommands,
  claimCommand,
  completeCommand,
} = defineCodexApi(components.codex);
