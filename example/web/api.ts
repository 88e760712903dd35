/** The host functions the page calls, in one place (example/convex/codex.ts). */
import { api } from "../convex/_generated/api.js";

export const codex = api.codex;

/** The device functions `useDevices` takes. */
export const deviceFunctions = {
  listDevices: api.codex.listDevices,
  createPairingCode: api.codex.createPairingCode,
  renameDevice: api.codex.renameDevice,
  revokeDevice: api.codex.revokeDevice,
};
