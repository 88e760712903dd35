/**
 * Long texts (command output, diffs, raw item JSON, unknown notifications) are
 * split into `parts` documents so no document nears Convex's 1 MiB limit.
 * A field keeps the whole text when it is at most `MAX_INLINE_CHARS` long;
 * otherwise it keeps a head (or "") and the text lives in parts.
 */
import { MAX_INLINE_CHARS } from "../../src/shared/limits.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";

/**
 * Splits `text` into chunks of at most `size` UTF-16 code units, never between
 * the two halves of a surrogate pair. Joining the chunks gives `text` back.
 */
export function splitText(text: string, size: number = MAX_INLINE_CHARS): string[] {
  if (text.length <= size) return [text];
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + size, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks;
}

/** How a long text is kept on its owner document. */
export type StoredText = {
  /** The whole text, or its first part when `parts` is set. */
  inline: string;
  /** Number of parts in the `parts` table; undefined when `inline` is whole. */
  parts: number | undefined;
};

/**
 * Stores `text` for (`ownerId`, `field`): inline when short, else in parts,
 * replacing any parts stored before for the same owner and field.
 * @returns what the owner document keeps.
 */
export async function putText(
  ctx: MutationCtx,
  ownerId: string,
  field: string,
  text: string,
  previousParts: number | undefined,
): Promise<StoredText> {
  if (previousParts !== undefined) await deleteParts(ctx, ownerId, field);
  const chunks = splitText(text);
  if (chunks.length === 1) return { inline: text, parts: undefined };
  for (const [index, chunk] of chunks.entries()) {
    await ctx.db.insert("parts", { ownerId, field, index, text: chunk });
  }
  return { inline: chunks[0] ?? "", parts: chunks.length };
}

/** Reads back the whole text stored by {@link putText} in parts. */
export async function readParts(
  ctx: QueryCtx,
  ownerId: string,
  field: string,
): Promise<string> {
  const parts = await ctx.db
    .query("parts")
    .withIndex("by_ownerId_field_index", (q) => q.eq("ownerId", ownerId).eq("field", field))
    .collect();
  return parts.map((p) => p.text).join("");
}

/** Deletes the parts of (`ownerId`, `field`). */
export async function deleteParts(
  ctx: MutationCtx,
  ownerId: string,
  field: string,
): Promise<void> {
  const parts = await ctx.db
    .query("parts")
    .withIndex("by_ownerId_field_index", (q) => q.eq("ownerId", ownerId).eq("field", field))
    .collect();
  for (const part of parts) await ctx.db.delete("parts", part._id);
}
