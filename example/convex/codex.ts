import { components } from "./_generated/api.js";
import { defineCodexApi } from "../../src/host/index.js";

/**
 * The host app's public codex functions. The bridge calls `codex:ensureSession`
 * and `codex:ingestSafe`; the web page's hooks call the queries. The user is
 * the signed-in identity (`ctx.auth`), never an argument.
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
} = defineCodexApi(components.codex);
