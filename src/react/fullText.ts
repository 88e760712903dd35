/**
 * Pure logic behind loading the whole text of long messages: which messages
 * came with only the head of their text, how a loaded text is keyed, and
 * putting loaded texts in place. No React here.
 */
import type { UIMessage } from "./mergeStreams.js";

/** Whole texts loaded so far, by {@link fullTextKey}. Treated as immutable. */
export type FullTexts = ReadonlyMap<string, string>;

/** Whether `message` shows only the head of a long text and its whole text should be loaded. */
export function needsFullText(message: UIMessage): boolean {
  return !message.textComplete && message.textParts !== undefined;
}

/**
 * The key a whole text is loaded and cached under: the message document and
 * its text length, so a text that changed (grew, was replaced) is loaded again.
 */
export function fullTextKey(message: Pick<UIMessage, "_id" | "textLength">): string {
  return `${message._id}:${message.textLength ?? 0}`;
}

/**
 * Messages with every loaded whole text in place (`textComplete: true`);
 * the others unchanged (their head, `textComplete: false` while loading).
 * @returns `messages` itself when nothing changed.
 */
export function withFullTexts(messages: UIMessage[], texts: FullTexts): UIMessage[] {
  let changed = false;
  const out = messages.map((message) => {
    if (!needsFullText(message)) return message;
    const text = texts.get(fullTextKey(message));
    if (text === undefined) return message;
    changed = true;
    return { ...message, text, textComplete: true };
  });
  return changed ? out : messages;
}
