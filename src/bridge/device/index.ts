/** Device credentials: pairing a machine with a deployment, the secret on disk, and how `run`/`bridge` sign in. */
export { credentialsDir, credentialsFile, deploymentKey, readDeviceCredential, removeDeviceCredential, saveDeviceCredential } from "./credentials.js";
export type { DeviceCredential } from "./credentials.js";
export { bridgeAuth } from "./deviceAuth.js";
export type { BridgeAuth } from "./deviceAuth.js";
export { hostErrorData, isPermanentDeviceError, PERMANENT_DEVICE_ERROR_CODES } from "./hostErrors.js";
export type { HostErrorData } from "./hostErrors.js";
export { DEFAULT_REDEEM_PAIRING_CODE_ACTION, normalizePairingCode, pairDevice } from "./pair.js";
export type { PairOptions, PairResult, RedeemPairingCodeArgs, RedeemPairingCodeResult } from "./pair.js";
