/**
 * Maps Codex protocol shapes (ThreadItem, delta notifications) to what the
 * component stores. Pure functions over decoded JSON.
 */
import type { MessageStatus, StreamKind } from "../../src/shared/validators.js";
import { type JsonObject, numberField, stringField } from "./decode.js";

/** What a message row keeps of a ThreadItem besides its raw JSON. */
export type ItemSummary = {
  itemId: string;
  kind: string;
  status: MessageStatus;
  text: string | undefined;
};

const ITEM_STATUSES: ReadonlySet<string> = new Set(["inProgress", "completed", "failed", "declined"]);

/** The text a UI shows for an item, per ThreadItem type; undefined when it has none. */
export function itemText(item: JsonObject): string | undefined {
  switch (item.type) {
    case "agentMessage":
    case "plan":
      return stringField(item, "text");
    case "userMessage": {
      const content = Array.isArray(item.content) ? item.content : [];
      const texts = content
        .filter((c): c is JsonObject => typeof c === "object" && c !== null && (c as JsonObject).type === "text")
        .map((c) => stringField(c, "text") ?? "");
      return texts.length > 0 ? texts.join("\n") : undefined;
    }
    case "reasoning": {
      const summary = Array.isArray(item.summary) ? item.summary.filter((s) => typeof s === "string") : [];
      return summary.length > 0 ? summary.join("\n\n") : undefined;
    }
    case "commandExecution":
      return stringField(item, "aggregatedOutput");
    default:
      return undefined;
  }
}

/**
 * Summarizes a ThreadItem from item/started (`completed` false) or
 * item/completed (`completed` true). Returns undefined when the item has no id.
 */
export function summarizeItem(item: JsonObject, completed: boolean): ItemSummary | undefined {
  const itemId = stringField(item, "id");
  if (itemId === undefined) return undefined;
  const reported = stringField(item, "status");
  let status: MessageStatus = completed ? "completed" : "inProgress";
  if (reported !== undefined && ITEM_STATUSES.has(reported)) status = reported as MessageStatus;
  if (completed && status === "inProgress") status = "completed";
  return { itemId, kind: stringField(item, "type") ?? "unknown", status, text: itemText(item) };
}

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
