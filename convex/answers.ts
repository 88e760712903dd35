/**
 * Answers to codex's server requests from the browser. An answer is checked
 * against the response type of the request's method, the first answer wins,
 * and it becomes an `answerServerRequest` command for the device whose bridge
 * holds the request's JSON-RPC id.
 */
import { v } from "convex/values";
import { validate } from "convex-helpers/validators";
import { mutation } from "./_generated/server.js";
import { codexError } from "../src/shared/errors.js";
import { MAX_ANSWER_JSON_CHARS } from "../src/shared/limits.js";
import { ANSWER_VALIDATORS, vCommandReceipt, vServerRequestAnswer } from "../src/shared/validators.js";
import { earlierCommand, enqueue, sessionDevice } from "./lib/commandQueue.js";
import { decisionKey } from "./lib/requestView.js";
import { ownedThread } from "./threads.js";

/** Statuses of an earlier answer command that still stand (a failed or expired one lets the user answer again). */
const STANDING = new Set(["queued", "claimed", "done"]);

/**
 * Answers a pending server request of one of the caller's threads.
 * @param requestId - The request's `_id`, as `listServerRequests` returns it.
 * @param response - The JSON-RPC result, of the request method's type (see `src/shared/validators/answers.ts`);
 *   a `decision` must be one of the request's `availableDecisions`.
 * @returns `{ commandId, status }` of the `answerServerRequest` command.
 * @throws ConvexError THREAD_NOT_FOUND; REQUEST_NOT_FOUND (unknown, or not of this thread);
 *   REQUEST_ALREADY_ANSWERED (first answer wins); REQUEST_CLOSED (expired or cancelled);
 *   INVALID_ARGUMENT (answer of the wrong type, a decision not offered, too long, or a method the browser cannot answer);
 *   THREAD_NOT_ON_DEVICE, DEVICE_REVOKED, IDEMPOTENCY_KEY_REUSED.
 */
export const answer = mutation({
  args: {
    userId: v.string(),
    idempotencyKey: v.string(),
    threadId: v.string(),
    requestId: v.string(),
    response: vServerRequestAnswer,
  },
  returns: vCommandReceipt,
  handler: async (ctx, args) => {
    const earlier = await earlierCommand(ctx, args.userId, args.idempotencyKey, "answerServerRequest", args.threadId);
    if (earlier) return earlier;
    await ownedThread(ctx, args.userId, args.threadId);
    const id = ctx.db.normalizeId("serverRequests", args.requestId);
    const request = id === null ? null : await ctx.db.get("serverRequests", id);
    if (request === null || request.userId !== args.userId || request.threadId !== args.threadId) {
      throw codexError("REQUEST_NOT_FOUND", `No server request ${args.requestId} in thread ${args.threadId}; list them with listServerRequests.`);
    }
    if (request.status === "answered" || request.status === "resolved") {
      throw codexError("REQUEST_ALREADY_ANSWERED", "This request was already answered; the first answer wins.");
    }
    if (request.status !== "pending") {
      throw codexError("REQUEST_CLOSED", `This request is ${request.status}${request.expiredReason ? ` (${request.expiredReason})` : ""}; there is nothing left to answer.`);
    }
    if (request.answerCommandId !== undefined) {
      const previous = await ctx.db.get("commands", ctx.db.normalizeId("commands", request.answerCommandId)!);
      if (previous !== null && STANDING.has(previous.status)) {
        throw codexError("REQUEST_ALREADY_ANSWERED", "This request already has an answer on its way to the desktop; the first answer wins.");
      }
    }
    const validator = ANSWER_VALIDATORS[request.method];
    if (validator === undefined) {
      throw codexError("INVALID_ARGUMENT", `Requests of method ${request.method} are answered by the bridge, not the browser.`);
    }
    if (!validate(validator, args.response)) {
      throw codexError("INVALID_ARGUMENT", `This answer is not a valid response to ${request.method}; see the response type of that method.`);
    }
    const decision = (args.response as { decision?: unknown }).decision;
    if (decision !== undefined && request.availableDecisions !== undefined) {
      const offered = new Set(request.availableDecisions.map(decisionKey));
      if (!offered.has(decisionKey(decision))) {
        throw codexError("INVALID_ARGUMENT", `Decision ${decisionKey(decision)} was not offered; pick one of availableDecisions.`);
      }
    }
    const response = request.method === "mcpServer/elicitation/request" ? { ...args.response, _meta: null } : args.response;
    const json = JSON.stringify(response);
    if (json.length > MAX_ANSWER_JSON_CHARS) {
      throw codexError("INVALID_ARGUMENT", `An answer is at most ${MAX_ANSWER_JSON_CHARS} characters of JSON; got ${json.length}.`);
    }
    const { device, sessionId } = await sessionDevice(ctx, args.userId, request.sessionId, `Thread ${args.threadId}`);
    const receipt = await enqueue(ctx, {
      userId: args.userId,
      idempotencyKey: args.idempotencyKey,
      device,
      kind: "answerServerRequest",
      threadId: args.threadId,
      sessionId,
      args: {
        threadId: args.threadId,
        sessionId,
        ...(request.seq !== undefined ? { requestSeq: request.seq } : {}),
        jsonRpcId: JSON.parse(request.requestId) as string | number,
        method: request.method,
        response,
      },
    });
    await ctx.db.patch("serverRequests", request._id, { answerCommandId: receipt.commandId });
    return receipt;
  },
});
