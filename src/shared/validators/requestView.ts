/**
 * The fields of a pending server request a UI shows, taken from its params
 * when ingest records it (convex/lib/requestView.ts). All optional: each
 * method fills the ones it has; `params` keeps the whole request.
 */
import { v, type Infer } from "convex/values";

/** One choice of a `item/tool/requestUserInput` question. */
export const vQuestionOption = v.object({ label: v.string(), description: v.string() });

/** One question of a `item/tool/requestUserInput` request. */
export const vQuestion = v.object({
  id: v.string(),
  header: v.string(),
  question: v.string(),
  /** The user may type an answer not among `options`. */
  isOther: v.boolean(),
  /** The answer should be masked while typed. */
  isSecret: v.boolean(),
  options: v.optional(v.array(vQuestionOption)),
});
export type Question = Infer<typeof vQuestion>;

/** What a UI shows of a pending server request, by kind (spread into the server request validator). */
export const vRequestViewFields = {
  /**
   * The decisions the UI may offer, each as codex accepts it back in
   * `response.decision`: a string (`"accept"`) or an object
   * (`{acceptWithExecpolicyAmendment: {...}}`). From codex's own
   * `availableDecisions`, else the method's full set. The legacy approvals'
   * `"denied"` stands for `{denied: {rejection: "<your reason>"}}`.
   */
  availableDecisions: v.optional(v.array(v.any())),
  /** Command prefix codex proposes to allow from now on (`proposedExecpolicyAmendment`). */
  proposedExecpolicyAmendment: v.optional(v.array(v.string())),
  /** Hosts codex proposes to allow or deny from now on. */
  proposedNetworkPolicyAmendments: v.optional(v.array(v.object({ host: v.string(), action: v.string() }))),
  /** The host of a managed-network approval. */
  networkHost: v.optional(v.string()),
  /** Files a change approval touches (legacy `applyPatchApproval`: its `fileChanges` keys; v2: the item's paths). */
  paths: v.optional(v.array(v.string())),
  /** The change's unified diff (head of it), when the request carries one. */
  diff: v.optional(v.string()),
  /** A root codex asks to write under for the rest of the session. */
  grantRoot: v.optional(v.string()),
  /** `item/permissions/requestApproval`: the requested profile as JSON. */
  permissions: v.optional(v.string()),
  /** `item/tool/requestUserInput`: the questions. */
  questions: v.optional(v.array(vQuestion)),
  /** `mcpServer/elicitation/request`: the MCP server, the mode, its URL (url mode) and requested schema as JSON. */
  serverName: v.optional(v.string()),
  elicitationMode: v.optional(v.string()),
  url: v.optional(v.string()),
  requestedSchema: v.optional(v.string()),
  /** `item/tool/call`: the tool, its namespace and its arguments as JSON (head). */
  tool: v.optional(v.string()),
  toolNamespace: v.optional(v.string()),
  toolArguments: v.optional(v.string()),
  /** The outbox seq of the request line in its session (identifies the JSON-RPC id's lifetime). */
  seq: v.optional(v.number()),
  /** The browser's answer: the `answerServerRequest` command carrying it (first answer wins). */
  answerCommandId: v.optional(v.string()),
  /** Why the request expired (`bridge/serverRequestExpired`). */
  expiredReason: v.optional(v.string()),
};
