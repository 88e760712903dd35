/**
 * What a UI needs to show a server request and offer its answers, taken from
 * the request's params when ingest records it: decisions, proposed
 * amendments, paths and diff, questions and options, elicitation and tool
 * call details. Pure except for the paths of a v2 file change, which live on
 * the item's message.
 */
import type { Infer } from "convex/values";
import type { QueryCtx } from "../_generated/server.js";
import type { Id } from "../_generated/dataModel.js";
import { MAX_MESSAGE_PATHS, MAX_SUMMARY_FIELD_CHARS } from "../../src/shared/limits.js";
import type { Question, vRequestViewFields } from "../../src/shared/validators.js";
import { type JsonObject, objectField, stringField } from "./decode.js";
import { head } from "./items.js";

type ViewFields = { [K in keyof typeof vRequestViewFields]?: Infer<(typeof vRequestViewFields)[K]> } & { command?: string };

/** Most decisions kept from `availableDecisions`. */
const MAX_DECISIONS = 16;

/** Longest diff kept on a request (its head), in UTF-16 code units. */
const MAX_REQUEST_DIFF_CHARS = 8 * 1024;

/** Most questions kept from a user-input request. */
const MAX_QUESTIONS = 32;

/** The decisions each approval method accepts when codex does not list them. */
const DEFAULT_DECISIONS: Readonly<Record<string, readonly string[]>> = {
  "item/commandExecution/requestApproval": ["accept", "acceptForSession", "decline", "cancel"],
  "item/fileChange/requestApproval": ["accept", "acceptForSession", "decline", "cancel"],
  execCommandApproval: ["approved", "approved_for_session", "denied", "abort"],
  applyPatchApproval: ["approved", "approved_for_session", "denied", "abort"],
};

/** Decisions that carry the user's own text (`{denied: {rejection}}`): offered by their key alone. */
const TEXT_DECISIONS = new Set(["denied"]);

/**
 * What an offered decision and an answer's decision are compared by: a
 * string as is, a decision carrying user text by its key, any other object by
 * its canonical JSON (so key order does not matter).
 */
export function decisionKey(decision: unknown): string {
  if (typeof decision === "string") return decision;
  if (typeof decision === "object" && decision !== null && !Array.isArray(decision)) {
    const keys = Object.keys(decision);
    if (keys.length === 1 && TEXT_DECISIONS.has(keys[0]!)) return keys[0]!;
  }
  return canonicalJson(decision);
}

/** JSON with object keys sorted, so equal decisions compare equal whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as JsonObject).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((s) => typeof s === "string") ? (value as string[]) : undefined;
}

/** JSON of a value, cut to a short head. */
function jsonHead(value: unknown): string | undefined {
  return value === undefined ? undefined : head(JSON.stringify(value));
}

function decisions(method: string, params: JsonObject): unknown[] | undefined {
  const listed = params.availableDecisions;
  if (Array.isArray(listed)) {
    return listed.filter((d) => JSON.stringify(d).length <= MAX_SUMMARY_FIELD_CHARS).slice(0, MAX_DECISIONS);
  }
  const fallback = DEFAULT_DECISIONS[method];
  return fallback && [...fallback];
}

function questions(params: JsonObject): Question[] | undefined {
  if (!Array.isArray(params.questions)) return undefined;
  return params.questions.slice(0, MAX_QUESTIONS).flatMap((q: unknown) => {
    if (typeof q !== "object" || q === null) return [];
    const o = q as JsonObject;
    const options = Array.isArray(o.options)
      ? o.options.flatMap((opt: unknown) =>
          typeof opt === "object" && opt !== null
            ? [{ label: head(stringField(opt as JsonObject, "label")) ?? "", description: head(stringField(opt as JsonObject, "description")) ?? "" }]
            : [],
        )
      : undefined;
    return [{
      id: head(stringField(o, "id")) ?? "",
      header: head(stringField(o, "header")) ?? "",
      question: head(stringField(o, "question")) ?? "",
      isOther: o.isOther === true,
      isSecret: o.isSecret === true,
      ...(options ? { options } : {}),
    }];
  });
}

/** Paths and diff of a legacy `applyPatchApproval`'s `fileChanges` map. */
function patchView(params: JsonObject): Pick<ViewFields, "paths" | "diff"> {
  const changes = objectField(params, "fileChanges");
  if (changes === undefined) return {};
  const paths = Object.keys(changes);
  let diff = "";
  for (const path of paths) {
    const change = objectField(changes, path) ?? {};
    const body = stringField(change, "unified_diff") ?? stringField(change, "content") ?? "";
    diff += `--- ${path} (${stringField(change, "type") ?? "change"})\n${body}\n`;
    if (diff.length > MAX_REQUEST_DIFF_CHARS) break;
  }
  return { paths: paths.slice(0, MAX_MESSAGE_PATHS).map((p) => head(p) ?? ""), diff: head(diff, MAX_REQUEST_DIFF_CHARS) };
}

/** The diff of a v2 `fileChange` item (`changes[].{path, kind, diff}`), from its raw JSON when whole. */
function itemDiff(itemJson: string): string | undefined {
  let item: unknown;
  try {
    item = JSON.parse(itemJson);
  } catch {
    return undefined; // only a head of a long item is inline
  }
  const changes = typeof item === "object" && item !== null ? (item as JsonObject).changes : undefined;
  if (!Array.isArray(changes)) return undefined;
  let diff = "";
  for (const change of changes) {
    if (typeof change !== "object" || change === null) continue;
    const c = change as JsonObject;
    diff += `--- ${stringField(c, "path") ?? "?"} (${stringField(objectField(c, "kind") ?? {}, "type") ?? "change"})\n${stringField(c, "diff") ?? ""}\n`;
    if (diff.length > MAX_REQUEST_DIFF_CHARS) break;
  }
  return head(diff, MAX_REQUEST_DIFF_CHARS);
}

/**
 * The UI fields of a server request of `method` with `params`.
 * @param ctx - To read the paths of a v2 file change from its item's message (when already recorded).
 */
export async function requestView(
  ctx: QueryCtx,
  method: string,
  params: JsonObject,
  seq: number,
  threadRef: Id<"threads"> | undefined,
): Promise<ViewFields> {
  const view: ViewFields = { seq, availableDecisions: decisions(method, params) };
  const amendment = strings(params.proposedExecpolicyAmendment);
  if (amendment) view.proposedExecpolicyAmendment = amendment.slice(0, 64).map((s) => head(s) ?? "");
  if (Array.isArray(params.proposedNetworkPolicyAmendments)) {
    view.proposedNetworkPolicyAmendments = params.proposedNetworkPolicyAmendments.flatMap((a: unknown) =>
      typeof a === "object" && a !== null
        ? [{ host: head(stringField(a as JsonObject, "host")) ?? "", action: stringField(a as JsonObject, "action") ?? "" }]
        : [],
    ).slice(0, 16);
  }
  const network = objectField(params, "networkApprovalContext");
  if (network) view.networkHost = head(stringField(network, "host"));
  const grantRoot = stringField(params, "grantRoot");
  if (grantRoot) view.grantRoot = head(grantRoot);
  switch (method) {
    case "item/fileChange/requestApproval": {
      const turnId = stringField(params, "turnId");
      const itemId = stringField(params, "itemId");
      if (threadRef !== undefined && turnId !== undefined && itemId !== undefined) {
        const message = await ctx.db
          .query("messages")
          .withIndex("by_threadRef_turnId_itemId", (q) => q.eq("threadRef", threadRef).eq("turnId", turnId).eq("itemId", itemId))
          .first();
        if (message?.paths) view.paths = message.paths;
        if (message?.item) view.diff = itemDiff(message.item);
      }
      break;
    }
    case "applyPatchApproval":
      Object.assign(view, patchView(params));
      break;
    case "execCommandApproval": {
      const command = strings(params.command);
      if (command) view.command = head(command.join(" "));
      break;
    }
    case "item/permissions/requestApproval":
      view.permissions = jsonHead(params.permissions);
      break;
    case "item/tool/requestUserInput":
      view.questions = questions(params);
      break;
    case "mcpServer/elicitation/request":
      view.serverName = head(stringField(params, "serverName"));
      view.elicitationMode = head(stringField(params, "mode"));
      view.url = head(stringField(params, "url"));
      view.requestedSchema = jsonHead(params.requestedSchema);
      break;
    case "item/tool/call":
      view.tool = head(stringField(params, "tool"));
      view.toolNamespace = head(stringField(params, "namespace"));
      view.toolArguments = jsonHead(params.arguments);
      break;
  }
  return Object.fromEntries(Object.entries(view).filter(([, v]) => v !== undefined)) as ViewFields;
}
