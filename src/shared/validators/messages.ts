/** Validators of messages (one per Codex thread item) and message pages. */
import { v, type Infer } from "convex/values";
import { vStreamsResult } from "./streams.js";

/**
 * Lifecycle of a message (one Codex item). `interrupted` and `failed` are also
 * given to items left in progress when their turn ended that way (or was
 * closed by an idle timeout or the bridge).
 */
export const vMessageStatus = v.union(
  v.literal("inProgress"),
  v.literal("completed"),
  v.literal("failed"),
  v.literal("declined"),
  v.literal("interrupted"),
);
export type MessageStatus = Infer<typeof vMessageStatus>;

/**
 * Who a message speaks for: `user` (userMessage), `assistant` (agentMessage,
 * reasoning, plan), `tool` (commands, file changes, tool calls, searches,
 * images, sleep) or `system` (compaction, review mode, hooks, sub-agents).
 */
export const vMessageRole = v.union(
  v.literal("user"),
  v.literal("assistant"),
  v.literal("tool"),
  v.literal("system"),
);
export type MessageRole = Infer<typeof vMessageRole>;

/**
 * A message: one Codex thread item, as the component stores it. `order` is the
 * item's position in its thread (0-based, assigned when the item first appears).
 * The typed fields are what a UI shows; each is set only for item types that
 * have it, and the raw item is kept whole.
 */
export const vMessage = v.object({
  threadId: v.string(),
  turnId: v.string(),
  itemId: v.string(),
  order: v.number(),
  /**
   * The ThreadItem `type`: userMessage, agentMessage, reasoning, plan,
   * commandExecution, fileChange, mcpToolCall, dynamicToolCall, webSearch,
   * imageView, imageGeneration, sleep, contextCompaction, enteredReviewMode,
   * exitedReviewMode, collabAgentToolCall, subAgentActivity, hookPrompt,
   * functionCallOutput (or a newer type, kept as is).
   */
  kind: v.string(),
  status: vMessageStatus,
  role: v.optional(vMessageRole),
  /**
   * What a UI shows as the item's text, when the item has one. When the text
   * is longer than `MAX_MESSAGE_INLINE_CHARS` (8 Ki UTF-16 code units), this
   * is its head and `textParts` is set: fetch the whole text with
   * `messages.getText` (the hooks' `useMessages({ fullText })` or `useMessageText`).
   */
  text: v.optional(v.string()),
  /**
   * Set when `text` is only the head of a long text: the number of the
   * message's stored parts, or 0 when the whole text is kept once as its
   * stream's text (it equalled what streamed). Absent when `text` is whole.
   */
  textParts: v.optional(v.number()),
  /** Length of the whole text in UTF-16 code units. */
  textLength: v.optional(v.number()),
  /** commandExecution: the command line (its head past `MAX_SUMMARY_FIELD_CHARS`). */
  command: v.optional(v.string()),
  /** commandExecution: its working directory. */
  cwd: v.optional(v.string()),
  /** commandExecution: its exit code, once known. */
  exitCode: v.optional(v.number()),
  /** commandExecution, mcpToolCall, dynamicToolCall, sleep: duration in milliseconds. */
  durationMs: v.optional(v.number()),
  /** fileChange (changed files), imageView and imageGeneration (image path), userMessage (local images); ≤ `MAX_MESSAGE_PATHS`. */
  paths: v.optional(v.array(v.string())),
  /** How many paths the item had, when more than `paths` holds. */
  pathCount: v.optional(v.number()),
  /** mcpToolCall, dynamicToolCall, collabAgentToolCall, functionCallOutput: the tool's name. */
  toolName: v.optional(v.string()),
  /** mcpToolCall: the MCP server; dynamicToolCall and functionCallOutput: the namespace. */
  server: v.optional(v.string()),
  /** mcpToolCall: its error message; imageGeneration: its failure. */
  error: v.optional(v.string()),
  /** mcpToolCall: the latest `item/mcpToolCall/progress` message. */
  progress: v.optional(v.string()),
  /** agentMessage: Codex's phase (`commentary`, `final_answer`). */
  phase: v.optional(v.string()),
  /** reasoning: length of the raw reasoning content, kept apart and shown only when the host opts in. */
  reasoningContentLength: v.optional(v.number()),
  /**
   * commandExecution: the output codex streamed and the `aggregatedOutput` it
   * reported differ in size (codex lost output deltas, or cut the aggregated
   * text to ~1 MiB with an "… N bytes omitted …" marker). `text` is what codex
   * reported; the streamed output is kept whole and durable, read with
   * `messages.getText` (`streamedOutput`). Sizes in UTF-8 bytes.
   */
  outputIncomplete: v.optional(v.object({ streamedBytes: v.number(), reportedBytes: v.number() })),
  /**
   * commandExecution: the raw `item`'s `aggregatedOutput` is null here because
   * it equals `text` (stored once); `messages.getText` returns the item whole.
   */
  itemOmitsText: v.optional(v.boolean()),
  /** True once a `thread/revert` removed the item's turn from Codex's history. */
  reverted: v.optional(v.boolean()),
  /**
   * The raw ThreadItem JSON as last received (item/completed wins), with a
   * reasoning item's raw `content` left out; "" when it is long and kept in
   * parts (`itemParts`), fetched with `messages.getText`.
   */
  item: v.string(),
  itemParts: v.optional(v.number()),
  /** Milliseconds since the Unix epoch. */
  startedAt: v.optional(v.number()),
  completedAt: v.optional(v.number()),
});
export type Message = Infer<typeof vMessage>;

/** A message as queries return it, with its document id and creation time. */
export const vMessageDoc = v.object({
  _id: v.string(),
  _creationTime: v.number(),
  ...vMessage.fields,
});
export type MessageDoc = Infer<typeof vMessageDoc>;

/** The whole texts of one message (`messages.getText`). */
export const vMessageText = v.object({
  /** The whole text; undefined when the item has none. */
  text: v.optional(v.string()),
  /** The raw item JSON, whole (with reasoning `content` only when the host exposes raw reasoning). */
  item: v.string(),
  /** reasoning: the raw reasoning content parts, only when the host exposes raw reasoning. */
  reasoningContent: v.optional(v.array(v.string())),
  /** commandExecution with `outputIncomplete`: the output as codex streamed it, whole. */
  streamedOutput: v.optional(v.string()),
});
export type MessageText = Infer<typeof vMessageText>;

/**
 * The fields of every paginated answer besides `page`, as convex-helpers'
 * `usePaginatedQuery` reads them.
 */
export const vPageFields = {
  isDone: v.boolean(),
  continueCursor: v.string(),
  /** Where to split a page that grew too big (convex-helpers' `usePaginatedQuery` uses it). */
  splitCursor: v.optional(v.union(v.string(), v.null())),
  /** `SplitRequired`: the page held more rows than it may return; it came back empty, split it at `splitCursor`. */
  pageStatus: v.optional(v.union(v.literal("SplitRecommended"), v.literal("SplitRequired"), v.null())),
};

/** A page of messages plus, when asked, stream information. */
export const vMessagesPage = v.object({
  page: v.array(vMessageDoc),
  ...vPageFields,
  streams: v.optional(vStreamsResult),
});
export type MessagesPage = Infer<typeof vMessagesPage>;
