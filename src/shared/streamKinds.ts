/**
 * The one table of Codex's text-delta notifications and the streams they feed,
 * shared by the component (ingest), the bridge (delta coalescing) and the hooks
 * (which stream makes up a message's text).
 */
import type { StreamKind } from "./validators.js";

/** How one delta notification maps to a stream. */
export type DeltaMethodSpec = {
  kind: StreamKind;
  /** The ThreadItem type a message created from this delta alone gets. */
  itemKind: string;
  /** The params field holding the part index (reasoning streams); part 0 otherwise. */
  partField?: string;
};

/** Codex 0.169's text-delta notifications, by method. */
export const DELTA_METHODS: Readonly<Record<string, DeltaMethodSpec>> = {
  "item/agentMessage/delta": { kind: "agentText", itemKind: "agentMessage" },
  "item/reasoning/summaryTextDelta": { kind: "reasoningSummary", itemKind: "reasoning", partField: "summaryIndex" },
  "item/reasoning/textDelta": { kind: "reasoningText", itemKind: "reasoning", partField: "contentIndex" },
  "item/commandExecution/outputDelta": { kind: "commandOutput", itemKind: "commandExecution" },
  "item/fileChange/outputDelta": { kind: "fileChangeOutput", itemKind: "fileChange" },
  "item/plan/delta": { kind: "plan", itemKind: "plan" },
};

/**
 * Which stream kind makes up a message's `text`, by ThreadItem type: the
 * durable text the component keeps, and what a UI shows while the item streams.
 */
export const TEXT_STREAM_KIND: Readonly<Record<string, StreamKind>> = {
  agentMessage: "agentText",
  plan: "plan",
  reasoning: "reasoningSummary",
  commandExecution: "commandOutput",
  fileChange: "fileChangeOutput",
};

/** Between the parts of a multi-part text (reasoning summaries) when joined. */
export const PART_SEPARATOR = "\n\n";
