/**
 * Which stream a delta notification feeds. Pure; one table from Codex's delta
 * methods to stream kinds.
 */
import type { StreamKind } from "../../src/shared/validators.js";
import { type JsonObject, numberField, stringField } from "./decode.js";

/** Which stream a delta notification feeds. */
export type DeltaTarget = {
  threadId: string;
  turnId: string;
  itemId: string;
  kind: StreamKind;
  part: number;
  delta: string;
  /** The ThreadItem type a message created from this delta alone gets. */
  itemKind: string;
};

const DELTA_METHODS: Record<string, { kind: StreamKind; itemKind: string; partField?: string }> = {
  "item/agentMessage/delta": { kind: "agentText", itemKind: "agentMessage" },
  "item/reasoning/summaryTextDelta": { kind: "reasoningSummary", itemKind: "reasoning", partField: "summaryIndex" },
  "item/reasoning/textDelta": { kind: "reasoningText", itemKind: "reasoning", partField: "contentIndex" },
  "item/commandExecution/outputDelta": { kind: "commandOutput", itemKind: "commandExecution" },
  "item/fileChange/outputDelta": { kind: "fileChangeOutput", itemKind: "fileChange" },
  "item/plan/delta": { kind: "plan", itemKind: "plan" },
};

/** The stream a notification feeds, or undefined when it is not a well-formed delta. */
export function deltaTarget(method: string, params: JsonObject): DeltaTarget | undefined {
  const spec = DELTA_METHODS[method];
  if (spec === undefined) return undefined;
  const threadId = stringField(params, "threadId");
  const turnId = stringField(params, "turnId");
  const itemId = stringField(params, "itemId");
  const delta = stringField(params, "delta");
  if (threadId === undefined || turnId === undefined || itemId === undefined || delta === undefined) {
    return undefined;
  }
  const part = spec.partField === undefined ? 0 : (numberField(params, spec.partField) ?? 0);
  return { threadId, turnId, itemId, kind: spec.kind, part, delta, itemKind: spec.itemKind };
}

/**
 * Which stream kind makes up a message's `text`, by ThreadItem type (the
 * durable text the component keeps, and what an unfinished item's streams are
 * folded into when its turn ends).
 */
export const TEXT_STREAM_KIND: Readonly<Record<string, StreamKind>> = {
  agentMessage: "agentText",
  plan: "plan",
  reasoning: "reasoningSummary",
  commandExecution: "commandOutput",
  fileChange: "fileChangeOutput",
};

/** Between reasoning summary parts in a message's text. */
export const PART_SEPARATOR = "\n\n";
