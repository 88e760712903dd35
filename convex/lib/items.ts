/**
 * Maps Codex ThreadItems (0.169, `ThreadItem.ts`) to what a message row keeps:
 * kind, status, role, the text a UI shows and small typed fields. Pure
 * functions over decoded JSON; unknown item types keep their raw JSON only.
 */
import { MAX_ITEM_TEXT_COPY_CHARS, MAX_MESSAGE_PATHS, MAX_SUMMARY_FIELD_CHARS } from "../../src/shared/limits.js";
import type { MessageRole, MessageStatus } from "../../src/shared/validators.js";
import { type JsonObject, numberField, objectField, stringField } from "./decode.js";

/** The raw item's field holding the text a message keeps as `text`, by item kind (messages.getText puts it back). */
export const ITEM_TEXT_FIELD: Record<string, string> = { commandExecution: "aggregatedOutput", agentMessage: "text", plan: "text" };

/** The typed fields of a message, beyond kind, status and text. */
export type ItemFields = {
  role?: MessageRole;
  command?: string;
  cwd?: string;
  exitCode?: number;
  durationMs?: number;
  paths?: string[];
  pathCount?: number;
  toolName?: string;
  server?: string;
  error?: string;
  phase?: string;
};

/** What a message row keeps of a ThreadItem. */
export type ItemSummary = {
  itemId: string;
  kind: string;
  status: MessageStatus;
  text: string | undefined;
  fields: ItemFields;
  /** The raw item JSON to store: a reasoning item's `content` emptied (kept apart, see `reasoningContent`). */
  raw: string;
  /**
   * The raw item with its text field ({@link ITEM_TEXT_FIELD}) null, stored
   * instead of `raw` when `text` (its copy) is stored: always for a command,
   * for an agent message or plan when its text is longer than
   * `MAX_ITEM_TEXT_COPY_CHARS` (a long text is stored once, not twice).
   */
  rawWithoutText?: string;
  /** reasoning: the raw content parts, stored apart and hidden unless the host opts in. */
  reasoningContent: string[] | undefined;
};

const STATUSES: ReadonlySet<string> = new Set(["inProgress", "completed", "failed", "declined", "interrupted"]);

const ROLES: Readonly<Record<string, MessageRole>> = {
  userMessage: "user",
  agentMessage: "assistant",
  reasoning: "assistant",
  plan: "assistant",
  commandExecution: "tool",
  fileChange: "tool",
  mcpToolCall: "tool",
  dynamicToolCall: "tool",
  webSearch: "tool",
  imageView: "tool",
  imageGeneration: "tool",
  sleep: "tool",
  functionCallOutput: "tool",
  collabAgentToolCall: "tool",
  contextCompaction: "system",
  enteredReviewMode: "system",
  exitedReviewMode: "system",
  hookPrompt: "system",
  subAgentActivity: "system",
};

function objects(value: unknown): JsonObject[] {
  return Array.isArray(value)
    ? value.filter((v): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v))
    : [];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** The `text` of each content item whose type is one of `types`, joined by newlines. */
function joinTexts(items: JsonObject[], types: readonly string[], key = "text"): string | undefined {
  const texts = items.filter((c) => types.includes(String(c.type))).map((c) => stringField(c, key) ?? "");
  return texts.length > 0 ? texts.join("\n") : undefined;
}

/**
 * `text` cut to its head (at most `max` UTF-16 code units) so a display field
 * stays small; the raw item keeps it whole. Cuts between code points: never
 * splits a surrogate pair, so the head is well-formed when the text is.
 */
export function head(text: string | undefined, max: number = MAX_SUMMARY_FIELD_CHARS): string | undefined {
  if (text === undefined || text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  const splitsPair = last >= 0xd800 && last <= 0xdbff;
  return text.slice(0, splitsPair ? max - 1 : max);
}

/** The text a UI shows for an item, per ThreadItem type; undefined when it has none. */
export function itemText(item: JsonObject): string | undefined {
  switch (item.type) {
    case "agentMessage":
    case "plan":
      return stringField(item, "text");
    case "userMessage":
      return joinTexts(objects(item.content), ["text"]);
    case "reasoning": {
      const summary = strings(item.summary);
      return summary.length > 0 ? summary.join("\n\n") : undefined;
    }
    case "commandExecution":
      return stringField(item, "aggregatedOutput");
    case "fileChange": {
      const changes = objects(item.changes);
      if (changes.length === 0) return undefined;
      return changes
        .map((c) => `*** ${stringField(objectField(c, "kind") ?? {}, "type") ?? "change"} ${stringField(c, "path") ?? ""}\n${stringField(c, "diff") ?? ""}`)
        .join("\n");
    }
    case "mcpToolCall": {
      const result = objectField(item, "result");
      return result ? joinTexts(objects(result.content), ["text"]) : undefined;
    }
    case "dynamicToolCall":
      return joinTexts(objects(item.contentItems), ["inputText"]);
    case "functionCallOutput":
      return typeof item.output === "string" ? item.output : joinTexts(objects(item.output), ["input_text"]);
    case "webSearch":
      return stringField(item, "query");
    case "imageGeneration":
      return stringField(item, "revisedPrompt");
    case "enteredReviewMode":
    case "exitedReviewMode":
      return stringField(item, "review");
    case "collabAgentToolCall":
      return stringField(item, "prompt");
    case "subAgentActivity":
      return stringField(item, "agentPath");
    case "hookPrompt": {
      const fragments = objects(item.fragments);
      return fragments.length > 0 ? fragments.map((f) => stringField(f, "text") ?? "").join("\n") : undefined;
    }
    default:
      return undefined;
  }
}

/** The paths an item names (changed files, images), capped at `MAX_MESSAGE_PATHS`. */
function itemPaths(item: JsonObject): { paths?: string[]; pathCount?: number } {
  let all: string[] = [];
  if (item.type === "fileChange") all = objects(item.changes).map((c) => stringField(c, "path") ?? "");
  else if (item.type === "imageView") all = strings([item.path]);
  else if (item.type === "imageGeneration") all = strings([item.savedPath]);
  else if (item.type === "userMessage") {
    all = objects(item.content).filter((c) => c.type === "localImage").map((c) => stringField(c, "path") ?? "");
  }
  if (all.length === 0) return {};
  const paths = all.slice(0, MAX_MESSAGE_PATHS).map((p) => head(p) ?? "");
  return all.length > paths.length ? { paths, pathCount: all.length } : { paths };
}

/** The small typed fields of an item, per ThreadItem type. */
export function itemFields(item: JsonObject): ItemFields {
  const kind = stringField(item, "type") ?? "";
  const fields: ItemFields = { role: ROLES[kind], ...itemPaths(item) };
  const durationMs = numberField(item, "durationMs");
  if (durationMs !== undefined) fields.durationMs = durationMs;
  switch (kind) {
    case "commandExecution":
      fields.command = head(stringField(item, "command"));
      fields.cwd = head(stringField(item, "cwd"));
      fields.exitCode = numberField(item, "exitCode");
      break;
    case "mcpToolCall":
      fields.server = stringField(item, "server");
      fields.toolName = stringField(item, "tool");
      fields.error = head(stringField(objectField(item, "error") ?? {}, "message"));
      break;
    case "dynamicToolCall":
    case "functionCallOutput":
      fields.server = stringField(item, "namespace");
      fields.toolName = stringField(item, kind === "dynamicToolCall" ? "tool" : "name");
      break;
    case "collabAgentToolCall":
      fields.toolName = stringField(item, "tool");
      break;
    case "imageGeneration":
      fields.error = stringField(objectField(item, "failure") ?? {}, "type");
      break;
    case "agentMessage":
      fields.phase = stringField(item, "phase");
      break;
  }
  for (const key of Object.keys(fields) as (keyof ItemFields)[]) {
    if (fields[key] === undefined) delete fields[key];
  }
  return fields;
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
  if (reported !== undefined && STATUSES.has(reported)) status = reported as MessageStatus;
  if (item.type === "dynamicToolCall" && item.success === false && completed) status = "failed";
  if (completed && status === "inProgress") status = "completed";
  const kind = stringField(item, "type") ?? "unknown";
  let reasoningContent: string[] | undefined;
  let raw = JSON.stringify(item);
  if (kind === "reasoning" && Array.isArray(item.content)) {
    reasoningContent = strings(item.content);
    raw = JSON.stringify({ ...item, content: [] });
  }
  const summary: ItemSummary = { itemId, kind, status, text: itemText(item), fields: itemFields(item), raw, reasoningContent };
  const textField = ITEM_TEXT_FIELD[kind];
  const fieldText = textField === undefined ? undefined : item[textField];
  if (textField !== undefined && typeof fieldText === "string" && (kind === "commandExecution" || fieldText.length > MAX_ITEM_TEXT_COPY_CHARS)) {
    summary.rawWithoutText = JSON.stringify({ ...item, [textField]: null });
  }
  return summary;
}
