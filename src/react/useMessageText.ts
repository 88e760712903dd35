import { useConvex } from "convex/react";
import type { FunctionReference } from "convex/server";
import { useEffect, useMemo, useRef, useState } from "react";
import type { MessageText } from "../shared/validators.js";
import { type FullTexts, fullTextKey, needsFullText, withFullTexts } from "./fullText.js";
import type { UIMessage } from "./mergeStreams.js";

/** Arguments of the host's `getMessageText` as the hooks send them (a host may add its own). */
export type MessageTextQueryArgs = { threadId: string; itemId: string; turnId?: string };

/** The host's `getMessageText` query (see `defineCodexApi`), or any public query of that shape. */
export type MessageTextQuery = FunctionReference<"query", "public", MessageTextQueryArgs, MessageText | null>;

/**
 * Loads, once each, the whole text of every message in `messages` that came
 * with only its head (`textParts` set: texts over `MAX_MESSAGE_INLINE_CHARS`,
 * 8 Ki code units) and puts it in place.
 *
 * Cost: one one-shot `getMessageText` call per long message and text length
 * (not a subscription: a whole text is read once, not again on every change
 * to the thread), each reading the message's parts (a part holds up to 128 Ki
 * code units). A text that changes length is loaded again. Short messages and
 * streaming ones cost nothing.
 *
 * @param query - The host's `getMessageText`, or undefined to load nothing.
 * @param hostArgs - `{ threadId, ...hostArgs }` passed along with `itemId` and `turnId`.
 * @param messages - Messages as `mergeMessages` builds them.
 * @returns the messages, long ones with their whole text once loaded
 *   (`textComplete` says which are whole).
 */
export function useFullTexts(
  query: MessageTextQuery | undefined,
  hostArgs: { threadId: string } | "skip",
  messages: UIMessage[],
): UIMessage[] {
  const convex = useConvex();
  const [texts, setTexts] = useState<FullTexts>(() => new Map());
  const inFlight = useRef(new Set<string>());
  const argsKey = hostArgs === "skip" ? "skip" : JSON.stringify(hostArgs);
  useEffect(() => {
    if (query === undefined || hostArgs === "skip") return;
    for (const message of messages) {
      const key = fullTextKey(message);
      if (!needsFullText(message) || texts.has(key) || inFlight.current.has(key)) continue;
      inFlight.current.add(key);
      const args = { ...hostArgs, itemId: message.itemId, turnId: message.turnId };
      convex
        .query(query, args)
        .then((result) => {
          if (result?.text !== undefined) setTexts((previous) => new Map(previous).set(key, result.text!));
        })
        .catch(() => undefined) // the head stays shown, textComplete false; a later render retries
        .finally(() => inFlight.current.delete(key));
    }
    // hostArgs is compared by value, through argsKey.
  }, [convex, query, argsKey, messages, texts]);
  return useMemo(() => withFullTexts(messages, texts), [messages, texts]);
}

/**
 * The whole text of one message, on demand (e.g. behind a "show all" button
 * of a message whose `textComplete` is false). One one-shot `getMessageText`
 * call per message and text length.
 *
 * ```ts
 * const { text, isLoading } = useMessageText(api.codex.getMessageText,
 *   expanded ? { threadId, itemId: m.itemId, turnId: m.turnId, textLength: m.textLength } : "skip");
 * ```
 *
 * @param query - The host's `getMessageText`.
 * @param args - `{ threadId, itemId, turnId?, textLength?, ...hostArgs }` (`textLength`
 *   only keys the cache: a changed length loads again), or `"skip"`.
 * @returns `{ text, isLoading }`: text undefined while loading, skipped, or
 *   when the item has none.
 */
export function useMessageText(
  query: MessageTextQuery,
  args: (MessageTextQueryArgs & { textLength?: number | undefined }) | "skip",
): { text: string | undefined; isLoading: boolean } {
  const convex = useConvex();
  const key = args === "skip" ? "skip" : JSON.stringify(args);
  const [loaded, setLoaded] = useState<{ key: string; text: string | undefined } | undefined>(undefined);
  useEffect(() => {
    if (args === "skip") return;
    let current = true;
    const { textLength, ...queryArgs } = args;
    void textLength;
    convex
      .query(query, queryArgs)
      .then((result) => {
        if (current) setLoaded({ key, text: result?.text });
      })
      .catch(() => {
        if (current) setLoaded({ key, text: undefined });
      });
    return () => {
      current = false;
    };
    // args is compared by value, through key.
  }, [convex, query, key]);
  if (args === "skip") return { text: undefined, isLoading: false };
  return loaded?.key === key ? { text: loaded.text, isLoading: false } : { text: undefined, isLoading: true };
}
