/**
 * Command output: what codex streamed against what it reported. codex 0.169
 * can drop output deltas and cuts `aggregatedOutput` to ~1 MiB (head and tail
 * with an "… N bytes omitted …" marker). Every delta the bridge received is
 * kept in the item's commandOutput stream; when the streamed and reported
 * sizes differ, the message is marked `outputIncomplete` and the stream is
 * made durable (never expired), so both texts survive and the hole is
 * visible. When they agree, the output is stored once: the message text, with
 * the raw item's `aggregatedOutput` left out and no compacted copy of the
 * stream (see cleanup.compactStream and `baseInMessage`).
 */
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import { utf8Bytes } from "./utf8.js";

/** The stream kind and part command output streams in. */
export const COMMAND_OUTPUT = { kind: "commandOutput", part: 0 } as const;

/**
 * The `outputIncomplete` mark a message gets for this stream, or undefined
 * when the sizes agree or nothing was reported.
 * @param streamedBytes - UTF-8 bytes of the whole streamed text (lib/streamHead.ts `textBytes`).
 */
export function outputMark(stream: Doc<"streams">, streamedBytes: number): { streamedBytes: number; reportedBytes: number } | undefined {
  if (stream.reportedBytes === undefined) return undefined;
  return streamedBytes === stream.reportedBytes ? undefined : { streamedBytes, reportedBytes: stream.reportedBytes };
}

/**
 * The fields that record `reported` (the item's `aggregatedOutput`) on its
 * output stream, and the message's mark. The caller patches both.
 */
export function reportOutput(
  stream: Doc<"streams">,
  reported: string,
  streamedBytes: number,
): { stream: Partial<Doc<"streams">>; message: Partial<Doc<"messages">> } {
  const withReport = { ...stream, reportedBytes: utf8Bytes(reported) };
  const mark = outputMark(withReport, streamedBytes);
  return {
    stream: { reportedBytes: withReport.reportedBytes, ...(mark ? { durable: true } : {}) },
    message: { outputIncomplete: mark },
  };
}

/** Re-checks a finished output stream (late deltas may have arrived) and updates the mark and durability. */
export async function recheckOutput(
  ctx: MutationCtx,
  stream: Doc<"streams">,
  message: Doc<"messages"> | null,
  streamedBytes: number,
): Promise<Partial<Doc<"streams">>> {
  const mark = outputMark(stream, streamedBytes);
  if (message && JSON.stringify(message.outputIncomplete) !== JSON.stringify(mark)) {
    await ctx.db.patch("messages", message._id, { outputIncomplete: mark });
  }
  return mark ? { durable: true } : {};
}
