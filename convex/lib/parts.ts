/**
 * Long texts (command output, diffs, raw items, unknown notifications, stream
 * base texts) are split into `parts` documents so no document nears Convex's
 * 1 MiB limit. A field keeps the whole text when it is short enough; otherwise
 * it keeps a head (or "") and the text lives in parts of at most
 * `MAX_INLINE_CHARS` code units (≤ 3 bytes of UTF-8 each: under 400 KiB).
 */
import { MAX_INLINE_CHARS } from "../../src/shared/limits.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";

/**
 * Splits `text` into chunks of at most `size` UTF-16 code units, never between
 * the two halves of a surrogate pair. Joining the chunks gives `text` back.
 */
export function splitText(text: string, size: number = MAX_INLINE_CHARS): string[] {
  if (text.length <= size) return [text];
  if (size < 2) throw new Error(`splitText needs a size of at least 2; got ${size}.`);
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
  /** The whole text, or its head (at most `inlineMax` code units) when `parts` is set. */
  inline: string;
  /** Number of parts in the `parts` table; undefined when `inline` is whole. */
  parts: number | undefined;
};

/**
 * Stores `text` for (`ownerId`, `field`): inline when at most `inlineMax`
 * code units, else in parts, replacing any parts stored before for the same
 * owner and field.
 * @returns what the owner document keeps.
 */
export async function putText(
  ctx: MutationCtx,
  ownerId: string,
  field: string,
  text: string,
  previousParts: number | undefined,
  inlineMax: number = MAX_INLINE_CHARS,
): Promise<StoredText> {
  if (previousParts !== undefined) await deleteParts(ctx, ownerId, field);
  if (text.length <= inlineMax) return { inline: text, parts: undefined };
  const chunks = splitText(text);
  for (const [index, chunk] of chunks.entries()) {
    await ctx.db.insert("parts", { ownerId, field, index, text: chunk });
  }
  return { inline: inlineMax > 0 ? (splitText(text, inlineMax)[0] ?? "") : "", parts: chunks.length };
}

/**
 * Appends `text` to the parts of (`ownerId`, `field`), which hold `parts`
 * parts so far, as NEW parts (of at most `MAX_INLINE_CHARS` each): append-only,
 * the parts already stored are never read or rewritten, so folding a long
 * text in runs costs each byte once (filling the last part instead would
 * rewrite up to a whole part per run: superlinear). Parts may therefore be
 * shorter than `MAX_INLINE_CHARS`; readers join them in index order.
 * @returns the new number of parts.
 */
export async function appendParts(
  ctx: MutationCtx,
  ownerId: string,
  field: string,
  parts: number,
  text: string,
): Promise<number> {
  if (text === "") return parts;
  let count = parts;
  for (const chunk of splitText(text)) {
    await ctx.db.insert("parts", { ownerId, field, index: count, text: chunk });
    count += 1;
  }
  return count;
}

/** Reads back the whole text stored by {@link putText} in parts. */
export async function readParts(ctx: QueryCtx, ownerId: string, field: string): Promise<string> {
  const parts = await ctx.db
    .query("parts")
    .withIndex("by_ownerId_field_index", (q) => q.eq("ownerId", ownerId).eq("field", field))
    .collect();
  return parts.map((p) => p.text).join("");
}

/**
 * The last `maxChars` code units (about; never splitting a surrogate pair) of
 * a text kept in parts, reading parts from the end only.
 * @returns `{ text, omittedChars }` where `omittedChars` of `length` were left out.
 */
export async function readPartsTail(
  ctx: QueryCtx,
  ownerId: string,
  field: string,
  length: number,
  maxChars: number,
): Promise<{ text: string; omittedChars: number }> {
  const pieces: string[] = [];
  let chars = 0;
  const parts = ctx.db
    .query("parts")
    .withIndex("by_ownerId_field_index", (q) => q.eq("ownerId", ownerId).eq("field", field))
    .order("desc");
  for await (const part of parts) {
    pieces.unshift(part.text);
    chars += part.text.length;
    if (chars >= maxChars) break;
  }
  let text = pieces.join("");
  if (text.length > maxChars) {
    let cut = text.length - maxChars;
    const first = text.charCodeAt(cut);
    if (first >= 0xdc00 && first <= 0xdfff) cut += 1;
    text = text.slice(cut);
  }
  return { text, omittedChars: Math.max(0, length - text.length) };
}

/**
 * Deletes up to `limit` parts of (`ownerId`, `field`).
 * @returns true when parts remain.
 */
export async function deleteParts(
  ctx: MutationCtx,
  ownerId: string,
  field: string,
  limit?: number,
): Promise<boolean> {
  const query = ctx.db
    .query("parts")
    .withIndex("by_ownerId_field_index", (q) => q.eq("ownerId", ownerId).eq("field", field));
  const parts = limit === undefined ? await query.collect() : await query.take(limit + 1);
  for (const part of parts.slice(0, limit)) await ctx.db.delete("parts", part._id);
  return limit !== undefined && parts.length > limit;
}
