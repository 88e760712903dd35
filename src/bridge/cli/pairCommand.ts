/** `codex-convex pair <code>`: pairs this machine with a deployment (see `device/pair.ts`). */
import { pairDevice } from "../device/pair.js";
import { requireConvexUrl } from "./options.js";

/** Parsed options of `pair` (see `--help`). */
export type PairCommandOptions = { convexUrl?: string; name?: string; json: boolean };

/**
 * Redeems the code and stores the device secret; prints the device id and the
 * file, never the secret.
 * @throws BridgeError `INVALID_ARGUMENT` (no URL, malformed code), `PAIRING_FAILED`.
 */
export async function pairCommand(code: string, options: PairCommandOptions): Promise<void> {
  const url = requireConvexUrl(options);
  const result = await pairDevice({ url, code, name: options.name });
  process.stdout.write(
    options.json
      ? `${JSON.stringify(result)}\n`
      : `Paired this machine with ${result.deployment} as device ${result.deviceId} ("${result.name}").\n` +
          `Its secret is stored in ${result.file} (mode 0600); \`run\` and \`bridge\` use it for this deployment when no --auth-token is given.\n`,
  );
}
