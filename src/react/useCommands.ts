/**
 * Hooks that send commands to the desktop: send a message (shown at once),
 * interrupt, start a thread, and follow a command's status. Each command gets
 * an idempotency key (a fresh random one unless the caller passes its own),
 * so a retried call never runs twice.
 */
import { useMutation, useQuery } from "convex/react";
import { useCallback } from "react";
import type { Command, CommandReceipt } from "../shared/validators.js";
import { newIdempotencyKey, optimisticSend } from "./optimistic.js";
import type { GetCommandQuery, InterruptMutation, SendMessageMutation, StartThreadArgs, StartThreadMutation } from "./steerTypes.js";
import type { MessagesQuery } from "./types.js";

/** What the send function takes: the key is optional (a random one by default). */
export type SendMessageInput = { threadId: string; text: string; idempotencyKey?: string };

/**
 * A function that sends a message to a thread, through the device that runs
 * it: codex starts a turn when the thread is idle, or steers the running one.
 * With `listMessages`, the message shows at once at the end of the thread
 * (convex's `withOptimisticUpdate`) until the command is queued; codex's own
 * user message follows when the desktop runs it.
 *
 * ```ts
 * const send = useSendMessage(api.codex.sendMessage, api.codex.listMessages);
 * const { commandId } = await send({ threadId, text: "Now add tests" });
 * ```
 *
 * @param mutation - The host's `sendMessage`.
 * @param listMessages - The host's `listMessages`, for the optimistic message; omit for none.
 * @returns `send({ threadId, text, idempotencyKey? })` → `Promise<{ commandId, status }>`;
 *   it rejects with ConvexError THREAD_NOT_FOUND, THREAD_NOT_ON_DEVICE, DEVICE_REVOKED or INVALID_ARGUMENT.
 */
export function useSendMessage(
  mutation: SendMessageMutation,
  listMessages?: MessagesQuery,
): (input: SendMessageInput) => Promise<CommandReceipt> {
  const plain = useMutation(mutation);
  const send = listMessages === undefined ? plain : plain.withOptimisticUpdate(optimisticSend(listMessages));
  return useCallback(
    (input: SendMessageInput) =>
      send({ threadId: input.threadId, text: input.text, idempotencyKey: input.idempotencyKey ?? newIdempotencyKey() }),
    [send],
  );
}

/**
 * A function that interrupts the running turn of a thread (`turn/interrupt`;
 * the turn ends `interrupted`, its text kept).
 *
 * ```ts
 * const interrupt = useInterrupt(api.codex.interruptTurn);
 * <button onClick={() => void interrupt(threadId)}>Stop</button>
 * ```
 *
 * @param mutation - The host's `interruptTurn`.
 * @returns `interrupt(threadId, idempotencyKey?)` → `Promise<{ commandId, status }>`.
 */
export function useInterrupt(mutation: InterruptMutation): (threadId: string, idempotencyKey?: string) => Promise<CommandReceipt> {
  const interrupt = useMutation(mutation);
  return useCallback(
    (threadId: string, idempotencyKey?: string) => interrupt({ threadId, idempotencyKey: idempotencyKey ?? newIdempotencyKey() }),
    [interrupt],
  );
}

/**
 * A function that starts a thread on a paired device, in one of the
 * workspaces it declared (`useDevices().devices[i].workspaces`).
 *
 * ```ts
 * const start = useStartThread(api.codex.startThread);
 * const key = crypto.randomUUID();
 * await start({ idempotencyKey: key, deviceId, workspaceId, prompt: "Explain this repo" });
 * const command = useCommand(api.codex.getCommand, key); // command?.result?.threadId once it ran
 * ```
 *
 * @param mutation - The host's `startThread`.
 * @returns `start({ deviceId, workspaceId, prompt, model?, idempotencyKey? })` → `Promise<{ commandId, status }>`;
 *   rejects with DEVICE_NOT_FOUND, DEVICE_REVOKED, WORKSPACE_NOT_FOUND or INVALID_ARGUMENT.
 */
export function useStartThread(
  mutation: StartThreadMutation,
): (input: Omit<StartThreadArgs, "idempotencyKey"> & { idempotencyKey?: string }) => Promise<CommandReceipt> {
  const start = useMutation(mutation);
  return useCallback(
    (input: Omit<StartThreadArgs, "idempotencyKey"> & { idempotencyKey?: string }) =>
      start({ ...input, idempotencyKey: input.idempotencyKey ?? newIdempotencyKey() }),
    [start],
  );
}

/**
 * A command's live status by its idempotency key: queued → claimed → done |
 * failed | expired, with `result` (`threadId`, `turnId`) or `error`.
 *
 * ```ts
 * const command = useCommand(api.codex.getCommand, key);
 * if (command?.status === "expired") show("Your desktop was offline; send again?");
 * ```
 *
 * @param query - The host's `getCommand`.
 * @param idempotencyKey - The key the command was sent with, or `"skip"`.
 * @returns the command, null when the key is unknown, undefined while loading.
 */
export function useCommand(query: GetCommandQuery, idempotencyKey: string | "skip"): Command | null | undefined {
  return useQuery(query, idempotencyKey === "skip" ? "skip" : { idempotencyKey });
}
