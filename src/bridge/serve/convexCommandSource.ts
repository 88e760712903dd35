/**
 * The production {@link CommandSource}: one `ConvexClient` (WebSocket) on the
 * deployment, subscribed with `onUpdate` to the host's `listDeviceCommands`
 * (no polling), calling `deviceHeartbeat`, `claimCommand` and
 * `completeCommand`. The client reconnects by itself after a network loss and
 * resubscribes; mutations sent meanwhile are sent once the connection is back.
 * Every call carries the device secret as its `deviceSecret` argument (Convex
 * functions cannot read custom headers).
 */
import { ConvexClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { BridgeError } from "../errors.js";
import type { CommandOutcome, CommandSource, DeviceCommand, HeartbeatArgs, HeartbeatResult } from "./commandSource.js";

/** Default names of the host functions (exported from the host's `convex/codex.ts`). */
export const DEFAULT_DEVICE_FUNCTIONS = {
  heartbeat: "codex:deviceHeartbeat",
  listCommands: "codex:listDeviceCommands",
  claim: "codex:claimCommand",
  complete: "codex:completeCommand",
} as const;

/** Options of {@link ConvexCommandSource}. */
export type ConvexCommandSourceOptions = {
  /** Deployment URL. */
  url: string;
  /** From `codex-convex pair`. */
  deviceSecret: string;
  /** Host function names; default {@link DEFAULT_DEVICE_FUNCTIONS}. */
  functions?: Partial<typeof DEFAULT_DEVICE_FUNCTIONS>;
  /** Skip the client's check that the URL looks like a Convex deployment (self-hosted, stand-ins). */
  skipConvexDeploymentUrlCheck?: boolean;
  /** A `WebSocket` implementation (default: the one `convex/browser` brings for Node). */
  webSocketConstructor?: typeof WebSocket;
};

type Secret = { deviceSecret: string };

/** See the module comment. */
export class ConvexCommandSource implements CommandSource {
  private readonly client: ConvexClient;
  private readonly secret: Secret;
  private readonly refs;

  /** @throws BridgeError `INVALID_ARGUMENT` for a URL the client refuses. */
  constructor(options: ConvexCommandSourceOptions) {
    try {
      this.client = new ConvexClient(options.url, {
        skipConvexDeploymentUrlCheck: options.skipConvexDeploymentUrlCheck ?? false,
        unsavedChangesWarning: false,
        logger: false,
        ...(options.webSocketConstructor ? { webSocketConstructor: options.webSocketConstructor } : {}),
      });
    } catch (error) {
      throw new BridgeError("INVALID_ARGUMENT", `Invalid Convex deployment URL ${JSON.stringify(options.url)}: ${(error as Error).message}`, { cause: error });
    }
    this.secret = { deviceSecret: options.deviceSecret };
    const names = { ...DEFAULT_DEVICE_FUNCTIONS, ...options.functions };
    this.refs = {
      heartbeat: makeFunctionReference<"mutation", HeartbeatArgs & Secret, HeartbeatResult>(names.heartbeat),
      list: makeFunctionReference<"query", Secret, DeviceCommand[]>(names.listCommands),
      claim: makeFunctionReference<"mutation", Secret & { commandId: string; leaseMs?: number }, DeviceCommand | null>(names.claim),
      complete: makeFunctionReference<"mutation", Secret & { commandId: string } & CommandOutcome, null>(names.complete),
    };
  }

  heartbeat(args: HeartbeatArgs): Promise<HeartbeatResult> {
    return this.client.mutation(this.refs.heartbeat, { ...args, ...this.secret });
  }

  subscribe(onCommands: (commands: DeviceCommand[]) => void, onError: (error: unknown) => void): () => void {
    const unsubscribe = this.client.onUpdate(this.refs.list, this.secret, (commands) => onCommands(commands ?? []), onError);
    return () => unsubscribe();
  }

  claim(commandId: string, leaseMs: number): Promise<DeviceCommand | null> {
    return this.client.mutation(this.refs.claim, { ...this.secret, commandId, leaseMs });
  }

  async complete(commandId: string, outcome: CommandOutcome): Promise<void> {
    await this.client.mutation(this.refs.complete, { ...this.secret, commandId, ...outcome });
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
