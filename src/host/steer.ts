/**
 * Host functions of the return path (browser → desktop): pairing and devices,
 * commands, answers to server requests, and the device-authenticated
 * functions the bridge's serve mode calls. Spread into `defineCodexApi`'s
 * result; each wraps one component function and derives the user on the
 * server (from `ctx.auth` for the browser, from the device secret for the bridge).
 */
import {
  actionGeneric,
  type GenericDataModel,
  type GenericMutationCtx,
  type GenericQueryCtx,
  mutationGeneric,
  queryGeneric,
} from "convex/server";
import { v } from "convex/values";
import type { ComponentApi } from "../../convex/_generated/component.js";
import {
  vCommand,
  vCommandError,
  vCommandReceipt,
  vCommandResult,
  vDevice,
  vHeartbeatArgs,
  vHeartbeatResult,
  vPairingCode,
  vRedeemedDevice,
  vServerRequestAnswer,
  vStartThreadArgs,
} from "../shared/validators.js";

type AnyCtx = GenericQueryCtx<GenericDataModel> | GenericMutationCtx<GenericDataModel>;

/** A thread command's own arguments besides `idempotencyKey` and `threadId`. */
type ThreadCommandSpec =
  | { kind: "sendMessage"; text: string }
  | { kind: "interruptTurn" | "archiveThread" | "unarchiveThread" | "forkThread" }
  | { kind: "renameThread"; name: string }
  | { kind: "rollbackThread"; numTurns: number };

/**
 * The steering functions for `component`, with `requireUser` resolving the
 * signed-in user (throws UNAUTHENTICATED).
 */
export function defineSteerApi(component: ComponentApi, requireUser: (ctx: AnyCtx) => Promise<string>) {
  /** A mutation queuing one kind of thread command. */
  function threadCommand<Extra extends Record<string, ReturnType<typeof v.string> | ReturnType<typeof v.number>>>(
    kind: ThreadCommandSpec["kind"],
    extra: Extra,
  ) {
    return mutationGeneric({
      args: { idempotencyKey: v.string(), threadId: v.string(), ...extra },
      returns: vCommandReceipt,
      handler: async (ctx, args) => {
        const { idempotencyKey, threadId, ...rest } = args as { idempotencyKey: string; threadId: string } & Record<string, unknown>;
        return ctx.runMutation(component.commands.enqueueOnThread, {
          userId: await requireUser(ctx),
          idempotencyKey,
          threadId,
          command: { kind, ...rest } as ThreadCommandSpec,
        });
      },
    });
  }

  return {
    // ── Browser: devices ──
    /** A single-use pairing code (`XXXX-XXXX`, 10 min) for `codex-convex pair`; see the component's `pairing.createCode`. */
    createPairingCode: mutationGeneric({
      args: { name: v.optional(v.string()) },
      returns: vPairingCode,
      handler: async (ctx, args) => ctx.runMutation(component.pairing.createCode, { ...args, userId: await requireUser(ctx) }),
    }),
    /** The caller's devices with their presence; see the component's `devices.list`. */
    listDevices: queryGeneric({
      args: {},
      returns: v.array(vDevice),
      handler: async (ctx) => ctx.runQuery(component.devices.list, { userId: await requireUser(ctx) }),
    }),
    /** Renames one of the caller's devices; see the component's `devices.rename`. */
    renameDevice: mutationGeneric({
      args: { deviceId: v.string(), name: v.string() },
      returns: v.null(),
      handler: async (ctx, args) => ctx.runMutation(component.devices.rename, { ...args, userId: await requireUser(ctx) }),
    }),
    /** Revokes one of the caller's devices (its next call gets DEVICE_REVOKED); see the component's `devices.revoke`. */
    revokeDevice: mutationGeneric({
      args: { deviceId: v.string() },
      returns: v.null(),
      handler: async (ctx, args) => ctx.runMutation(component.devices.revoke, { ...args, userId: await requireUser(ctx) }),
    }),

    // ── Browser: commands ──
    /** Starts a thread on a device in a workspace it declared; see the component's `commands.startThread`. */
    startThread: mutationGeneric({
      args: vStartThreadArgs,
      returns: vCommandReceipt,
      handler: async (ctx, args) => ctx.runMutation(component.commands.startThread, { ...args, userId: await requireUser(ctx) }),
    }),
    /** Sends a message to a thread (`turn/start` when idle, `turn/steer` while a turn runs); see `commands.enqueueOnThread`. */
    sendMessage: threadCommand("sendMessage", { text: v.string() }),
    /** Interrupts the thread's running turn (recorded `interrupted`). */
    interruptTurn: threadCommand("interruptTurn", {}),
    /** Archives the thread in codex. */
    archiveThread: threadCommand("archiveThread", {}),
    /** Unarchives the thread in codex. */
    unarchiveThread: threadCommand("unarchiveThread", {}),
    /** Renames the thread (`name` ≤ 200 chars). */
    renameThread: threadCommand("renameThread", { name: v.string() }),
    /** Forks the thread; the new thread id arrives in the command's `result.threadId`. */
    forkThread: threadCommand("forkThread", {}),
    /** Rolls the thread back by `numTurns` turns (1..1000). */
    rollbackThread: threadCommand("rollbackThread", { numTurns: v.number() }),
    /** Answers a pending server request (first answer wins); see the component's `answers.answer`. */
    answerServerRequest: mutationGeneric({
      args: { idempotencyKey: v.string(), threadId: v.string(), requestId: v.string(), response: vServerRequestAnswer },
      returns: vCommandReceipt,
      handler: async (ctx, args) => ctx.runMutation(component.answers.answer, { ...args, userId: await requireUser(ctx) }),
    }),
    /** The caller's command with this idempotency key, or null; see the component's `commands.get`. */
    getCommand: queryGeneric({
      args: { idempotencyKey: v.string() },
      returns: v.union(v.null(), vCommand),
      handler: async (ctx, args) => ctx.runQuery(component.commands.get, { ...args, userId: await requireUser(ctx) }),
    }),

    // ── Bridge (device secret; no user auth) ──
    /** Redeems a pairing code for a device secret (an action: failed attempts count); see the component's `pairing.redeem`. */
    redeemPairingCode: actionGeneric({
      args: { code: v.string(), name: v.optional(v.string()), hostname: v.optional(v.string()) },
      returns: vRedeemedDevice,
      handler: async (ctx, args): Promise<{ deviceId: string; deviceSecret: string }> => ctx.runAction(component.pairing.redeem, args),
    }),
    /** The device's presence report; see the component's `devices.heartbeat`. */
    deviceHeartbeat: mutationGeneric({
      args: vHeartbeatArgs,
      returns: vHeartbeatResult,
      handler: async (ctx, args) => ctx.runMutation(component.devices.heartbeat, args),
    }),
    /** The device's queued commands, oldest first (subscribe to it); see the component's `commands.listForDevice`. */
    listDeviceCommands: queryGeneric({
      args: { deviceSecret: v.string() },
      returns: v.array(vCommand),
      handler: async (ctx, args) => ctx.runQuery(component.commands.listForDevice, args),
    }),
    /** Claims a queued command under a lease, exactly once; see the component's `commands.claim`. */
    claimCommand: mutationGeneric({
      args: { deviceSecret: v.string(), commandId: v.string(), leaseMs: v.optional(v.number()) },
      returns: v.union(v.null(), vCommand),
      handler: async (ctx, args) => ctx.runMutation(component.commands.claim, args),
    }),
    /** Completes a claimed command (`done`, or `failed` with `error`); see the component's `commands.complete`. */
    completeCommand: mutationGeneric({
      args: {
        deviceSecret: v.string(),
        commandId: v.string(),
        result: v.optional(vCommandResult),
        error: v.optional(vCommandError),
      },
      returns: v.null(),
      handler: async (ctx, args) => ctx.runMutation(component.commands.complete, args),
    }),
  };
}
