/** How a serve command fails: the error with the code the browser sees, and the `{ code, message }` any error becomes. */
import { BridgeError, isBridgeError } from "../errors.js";
import { rpcErrorDetails } from "../codex/rpc.js";
import { hostErrorData } from "../device/hostErrors.js";
import { InvalidCommand } from "./commandArgs.js";

/** Error code of an answer to a request codex no longer waits for (answered, timed out, or its codex is gone). */
export const REQUEST_EXPIRED = "REQUEST_EXPIRED";

/** A command that failed, with the code the browser sees. */
export class CommandFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The `{ code, message }` a failed command reports. */
export function toCommandError(error: unknown): { code: string; message: string } {
  if (error instanceof CommandFailure) return { code: error.code, message: error.message };
  if (error instanceof InvalidCommand) return { code: "INVALID_COMMAND", message: `The bridge will not run this command: ${error.message}.` };
  const rpc = rpcErrorDetails(error);
  if (rpc) return { code: "CODEX_REFUSED", message: `codex refused it: ${rpc.message}` };
  if (isBridgeError(error)) return { code: error.code, message: error.message };
  return { code: "COMMAND_FAILED", message: error instanceof Error ? error.message : String(error) };
}

/** The error the bridge stops with when the host refuses the device. */
export function deviceRefused(error: unknown): BridgeError {
  const data = hostErrorData(error);
  return new BridgeError(
    "DEVICE_REVOKED",
    `The deployment refused this device (${data?.code ?? "DEVICE_REVOKED"}: ${data?.message ?? "revoked"}). ` +
      "The outbox is kept as it is. Pair the machine again (codex-convex pair <code>) to continue.",
    { cause: error },
  );
}
