/** The host functions the page calls, in one place (example/convex/codex.ts). */
import { api } from "../convex/_generated/api.js";
import type { StreamCheckpointOptions } from "../../src/react/index.js";

export const codex = api.codex;

/** The device functions `useDevices` takes. */
export const deviceFunctions = {
  listDevices: api.codex.listDevices,
  createPairingCode: api.codex.createPairingCode,
  renameDevice: api.codex.renameDevice,
  revokeDevice: api.codex.revokeDevice,
};

/**
 * Stream checkpoints of this browser: the thread view saves where it has read
 * each live stream (the cursor on the server, the text in `localStorage`), so a
 * reload resumes there instead of replaying every stream from its start. The
 * reader device id is this browser's own (`readerDeviceId`, kept in
 * `localStorage`).
 */
export const streamCheckpoints: StreamCheckpointOptions = {
  save: api.codex.saveCheckpoints,
  list: api.codex.listCheckpoints,
};
