/**
 * Answers to codex's server requests, one validator per method, matching the
 * response types of codex 0.169 (`src/bridge/codex/protocol/generated`:
 * `v2/*RequestApprovalResponse`, `v2/ToolRequestUserInputResponse`,
 * `v2/McpServerElicitationRequestResponse`, `v2/DynamicToolCallResponse`,
 * `ExecCommandApprovalResponse`, `ApplyPatchApprovalResponse`).
 * `answerServerRequest` checks an answer against the validator of the
 * request's method, so a browser cannot send an answer of another kind.
 */
import { v, type Infer, type Validator } from "convex/values";

/** `NetworkPolicyAmendment`: allow or deny a host. */
const vNetworkPolicyAmendment = v.object({ host: v.string(), action: v.union(v.literal("allow"), v.literal("deny")) });

/** `CommandExecutionApprovalDecision`. */
export const vCommandExecutionDecision = v.union(
  v.literal("accept"),
  v.literal("acceptForSession"),
  v.literal("decline"),
  v.literal("cancel"),
  v.object({ acceptWithExecpolicyAmendment: v.object({ execpolicy_amendment: v.array(v.string()) }) }),
  v.object({ applyNetworkPolicyAmendment: v.object({ network_policy_amendment: vNetworkPolicyAmendment }) }),
);

/** `FileChangeApprovalDecision`. */
export const vFileChangeDecision = v.union(
  v.literal("accept"),
  v.literal("acceptForSession"),
  v.literal("decline"),
  v.literal("cancel"),
);

/** `ReviewDecision` of the legacy `execCommandApproval` / `applyPatchApproval`. */
export const vReviewDecision = v.union(
  v.literal("approved"),
  v.literal("approved_for_session"),
  v.literal("approved_mcp_policy_amendment"),
  v.literal("timed_out"),
  v.literal("abort"),
  v.object({ approved_execpolicy_amendment: v.object({ proposed_execpolicy_amendment: v.array(v.string()) }) }),
  v.object({ network_policy_amendment: v.object({ network_policy_amendment: vNetworkPolicyAmendment }) }),
  v.object({ denied: v.object({ rejection: v.string() }) }),
);

/** `item/commandExecution/requestApproval` → `CommandExecutionRequestApprovalResponse`. */
export const vCommandExecutionAnswer = v.object({ decision: vCommandExecutionDecision });
/** `item/fileChange/requestApproval` → `FileChangeRequestApprovalResponse`. */
export const vFileChangeAnswer = v.object({ decision: vFileChangeDecision });
/** `execCommandApproval` / `applyPatchApproval` → `{ decision: ReviewDecision }`. */
export const vReviewAnswer = v.object({ decision: vReviewDecision });

/** `item/permissions/requestApproval` → `PermissionsRequestApprovalResponse` (what is granted, for how long). */
export const vPermissionsAnswer = v.object({
  permissions: v.object({
    network: v.optional(v.object({ enabled: v.union(v.boolean(), v.null()) })),
    fileSystem: v.optional(
      v.object({
        read: v.union(v.array(v.string()), v.null()),
        write: v.union(v.array(v.string()), v.null()),
        globScanMaxDepth: v.optional(v.number()),
        entries: v.optional(v.array(v.object({ path: v.any(), access: v.string() }))),
      }),
    ),
  }),
  scope: v.union(v.literal("turn"), v.literal("session")),
  strictAutoReview: v.optional(v.boolean()),
});

/** `item/tool/requestUserInput` → `ToolRequestUserInputResponse`: answers by question id. */
export const vUserInputAnswer = v.object({
  answers: v.record(v.string(), v.object({ answers: v.array(v.string()) })),
});

/**
 * `mcpServer/elicitation/request` → `McpServerElicitationRequestResponse`
 * without `_meta` (Convex arguments cannot carry a field named with a leading
 * underscore); the component adds `_meta: null`.
 */
export const vElicitationAnswer = v.object({
  action: v.union(v.literal("accept"), v.literal("decline"), v.literal("cancel")),
  /** The form's values when accepted (JSON matching the request's schema), else null. */
  content: v.union(v.null(), v.any()),
});

/** `item/tool/call` → `DynamicToolCallResponse`. */
export const vToolCallAnswer = v.object({
  contentItems: v.array(
    v.union(
      v.object({ type: v.literal("inputText"), text: v.string() }),
      v.object({ type: v.literal("inputImage"), imageUrl: v.string() }),
      v.object({ type: v.literal("inputAudio"), audioUrl: v.string() }),
    ),
  ),
  success: v.boolean(),
});

/** Any answer (the host's argument); the component checks it against the request's method. */
export const vServerRequestAnswer = v.union(
  vCommandExecutionAnswer,
  vFileChangeAnswer,
  vReviewAnswer,
  vPermissionsAnswer,
  vUserInputAnswer,
  vElicitationAnswer,
  vToolCallAnswer,
);
export type ServerRequestAnswer = Infer<typeof vServerRequestAnswer>;

/** The answer validator of each server request method the browser can answer. */
export const ANSWER_VALIDATORS: Readonly<Record<string, Validator<unknown, "required", string>>> = {
  "item/commandExecution/requestApproval": vCommandExecutionAnswer,
  "item/fileChange/requestApproval": vFileChangeAnswer,
  "item/permissions/requestApproval": vPermissionsAnswer,
  "item/tool/requestUserInput": vUserInputAnswer,
  "mcpServer/elicitation/request": vElicitationAnswer,
  "item/tool/call": vToolCallAnswer,
  execCommandApproval: vReviewAnswer,
  applyPatchApproval: vReviewAnswer,
};

/** The server request methods the browser can answer. */
export const ANSWERABLE_METHODS: readonly string[] = Object.keys(ANSWER_VALIDATORS);
