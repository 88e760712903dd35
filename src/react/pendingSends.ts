"use client";

/**
 * Messages a page sent that codex has not echoed yet.
 *
 * Convex's optimistic update (what `useSendMessage` applies with
 * `listMessages`) lasts only until the `sendMessage` mutation commits, which
 * is when the command is queued; codex's own `userMessage` item arrives later,
 * when the desktop runs the command (seconds later, or much later when the
 * desktop is offline). Between the two the message would vanish. These
 * helpers keep each sent message on screen from the moment it is sent until
 * codex's user message with the same text appears, or the send fails.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import { newIdempotencyKey, OPTIMISTIC_ID_PREFIX } from "./optimistic.js";

/** A message sent from this page, waiting for codex's own user message. */
export type PendingSend = {
  /** The send's idempotency key (also the command's). */
  key: string;
  threadId: string;
  text: string;
  /** How many of codex's user messages with this text the thread showed when it was sent. */
  seen: number;
};

/** The fields of a message these helpers read (a `UIMessage` or `MessageDoc` has them). */
type MessageLike = { kind: string; text?: string | null; itemId: string };

/** How many of codex's own user messages (not optimistic placeholders) in `messages` have text `text`. */
function echoes(messages: readonly MessageLike[], text: string): number {
  return messages.filter((m) => m.kind === "userMessage" && m.text === text && !m.itemId.startsWith(OPTIMISTIC_ID_PREFIX)).length;
}

/**
 * The pending sends codex has not echoed yet (pure). A send is echoed once the
 * thread shows more user messages with its text than when it was sent; two
 * sends of the same text need two new echoes, taken oldest first.
 * @param pending - Sends in the order they were made.
 * @param messages - The thread's messages as `useMessages` returns them.
 * @returns the sends still waiting, in order.
 */
export function unsettledSends(pending: readonly PendingSend[], messages: readonly MessageLike[]): PendingSend[] {
  const taken = new Map<string, number>();
  return pending.filter((send) => {
    const before = taken.get(send.text) ?? 0;
    if (echoes(messages, send.text) > send.seen + before) {
      taken.set(send.text, before + 1);
      return false;
    }
    return true;
  });
}

/** What {@link usePendingSends} returns. */
export type UsePendingSendsResult = {
  /** This thread's sends codex has not echoed yet, oldest first: show them after the thread's messages. */
  pending: PendingSend[];
  /**
   * Sends `text` with `send(idempotencyKey)` (e.g. the function of
   * `useSendMessage(api.codex.sendMessage)`, without its `listMessages`
   * argument, so the message is not shown twice) and keeps it pending until
   * codex echoes it. @returns `send`'s promise; when it rejects, the message
   * is no longer pending (and the caller shows the error).
   */
  track: <T>(text: string, send: (idempotencyKey: string) => Promise<T>) => Promise<T>;
};

/**
 * Keeps the messages this page sent to `threadId` on screen until codex's own
 * user messages replace them, so a sent message never vanishes and never shows
 * twice.
 *
 * ```tsx
 * const { results } = useMessages(api.codex.listMessages, { threadId }, { stream: true });
 * const send = useSendMessage(api.codex.sendMessage);
 * const { pending, track } = usePendingSends(threadId, results);
 * const onSubmit = (text: string) => track(text, (idempotencyKey) => send({ threadId, text, idempotencyKey }));
 * // render results, then pending.map((p) => <p key={p.key} className="pending">{p.text}</p>)
 * ```
 *
 * @param threadId - The thread the page shows.
 * @param messages - Its messages (`useMessages(...).results`).
 * @returns `{ pending, track }`; state lives in this component (a reload forgets it).
 */
export function usePendingSends(threadId: string, messages: readonly MessageLike[]): UsePendingSendsResult {
  const [sends, setSends] = useState<PendingSend[]>([]);
  const pending = useMemo(
    () => unsettledSends(sends.filter((s) => s.threadId === threadId), messages),
    [sends, threadId, messages],
  );
  // Forget echoed sends, so a later send of the same text counts from there.
  useEffect(() => {
    const waiting = new Set(pending.map((s) => s.key));
    const echoed = sends.filter((s) => s.threadId === threadId && !waiting.has(s.key));
    if (echoed.length > 0) setSends((all) => all.filter((s) => !echoed.includes(s)));
  }, [pending, sends, threadId]);
  const track = useCallback(
    <T,>(text: string, send: (idempotencyKey: string) => Promise<T>): Promise<T> => {
      const key = newIdempotencyKey();
      setSends((all) => [...all, { key, threadId, text, seen: echoes(messages, text) }]);
      return send(key).catch((error: unknown) => {
        setSends((all) => all.filter((s) => s.key !== key));
        throw error;
      });
    },
    [threadId, messages],
  );
  return { pending, track };
}
