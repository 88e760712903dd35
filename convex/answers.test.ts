/**
 * Server requests answered from the browser: every request kind of codex
 * 0.169 is pending with the fields a UI needs; an answer is validated against
 * its method's response type and the offered decisions; the first answer
 * wins and becomes a command for the device; an expired request cannot be
 * answered; another user can neither see nor answer.
 */
import approvalTurn from "../test/fixtures/transcripts/approval-turn.jsonl?raw";
import { describe, expect, test } from "vitest";
import { api } from "../example/convex/_generated/api.js";
import type { ServerRequest } from "../src/shared/validators.js";
import { initConvexTest, type TestConvexApp } from "../test/convexTest.js";
import { ALICE, BOB } from "../test/support/component.js";
import { expectCode, pairDevice, pushAsDevice } from "../test/support/devices.js";
import { notification, threadStarted, turnStarted } from "../test/support/events.js";

/** Generous: convex-test runs every call in-process, and the machine may be loaded. */
const TEST_TIMEOUT_MS = 60_000;

function request(id: number | string, method: string, params: Record<string, unknown>): string {
  return JSON.stringify({ method, id, params });
}

const base = { threadId: "th-1", turnId: "tu-1" };
const LINES = [
  threadStarted("th-1"),
  turnStarted("th-1", "tu-1"),
  request(10, "item/permissions/requestApproval", {
    ...base, itemId: "p1", environmentId: null, startedAtMs: 1, cwd: "/w", reason: "Needs the network",
    permissions: { network: { enabled: true }, fileSystem: null },
  }),
  request(11, "item/tool/requestUserInput", {
    ...base, itemId: "q1", isBlocking: true, autoResolutionMs: null,
    questions: [{ id: "branch", header: "Branch", question: "Which branch?", isOther: true, isSecret: false, options: [{ label: "main", description: "the default" }] }],
  }),
  request(12, "mcpServer/elicitation/request", {
    threadId: "th-1", turnId: "tu-1", serverName: "tickets", mode: "form", _meta: null, message: "Ticket title?",
    requestedSchema: { type: "object", properties: { title: { type: "string" } } },
  }),
  request(13, "item/tool/call", { ...base, callId: "c1", namespace: null, tool: "lookup", arguments: { q: "x" } }),
  request(14, "execCommandApproval", {
    conversationId: "th-1", callId: "e1", approvalId: null, command: ["rm", "-rf", "build"], cwd: "/w", reason: null, parsedCmd: [],
  }),
  request(15, "applyPatchApproval", {
    conversationId: "th-1", callId: "a1", reason: "tidy", grantRoot: null,
    fileChanges: { "/w/a.txt": { type: "update", unified_diff: "@@ -1 +1 @@\n-a\n+b\n", move_path: null } },
  }),
];

/** The recorded approval turn (real codex 0.169) up to and including its two approval requests, without the answers. */
function recordedApprovalLines(): string[] {
  const lines = approvalTurn.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as { dir: string; line: string });
  const inLines = lines.filter((l) => l.dir === "in").map((l) => l.line);
  const fileChange = inLines.findIndex((l) => l.includes("item/fileChange/requestApproval"));
  // Everything codex sent up to the file-change request, except the resolution of the first request.
  return inLines.slice(0, fileChange + 1).filter((l) => !l.includes("serverRequest/resolved"));
}

async function setup(): Promise<{ t: TestConvexApp; deviceSecret: string; pending: ServerRequest[] }> {
  const t = initConvexTest();
  const { deviceSecret } = await pairDevice(t);
  await pushAsDevice(t, deviceSecret, LINES);
  const pending = await t.withIdentity(ALICE).query(api.codex.listServerRequests, { threadId: "th-1" });
  return { t, deviceSecret, pending };
}

const byMethod = (pending: ServerRequest[], method: string) => pending.find((r) => r.method === method)!;

describe("server requests answered from the browser", { timeout: TEST_TIMEOUT_MS }, () => {
  test("the recorded approvals of real codex are pending with command, cwd, decisions, amendment, paths and diff", async () => {
    const t = initConvexTest();
    const { deviceSecret } = await pairDevice(t);
    await pushAsDevice(t, deviceSecret, recordedApprovalLines());
    const threadId = (await t.withIdentity(ALICE).query(api.codex.listThreads, { paginationOpts: { numItems: 1, cursor: null } })).page[0]!.threadId;
    const pending = await t.withIdentity(ALICE).query(api.codex.listServerRequests, { threadId });
    const command = byMethod(pending, "item/commandExecution/requestApproval");
    expect(command).toMatchObject({
      requestId: "0",
      reason: "Allow this scripted command?",
      command: "/bin/bash -lc 'touch approved.txt && echo approved'",
      cwd: expect.stringMatching(/^\/tmp\/codex-convex-cwd-/),
      proposedExecpolicyAmendment: ["touch", "approved.txt"],
      availableDecisions: ["accept", { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["touch", "approved.txt"] } }, "cancel"],
      seq: expect.any(Number),
    });
    const file = byMethod(pending, "item/fileChange/requestApproval");
    expect(file).toMatchObject({
      requestId: "1",
      paths: [expect.stringMatching(/approved-patch\.txt$/)],
      diff: expect.stringContaining("patched"),
      availableDecisions: ["accept", "acceptForSession", "decline", "cancel"],
    });
    // A decision codex did not offer is refused; an offered one (keys in any order) is taken.
    const alice = t.withIdentity(ALICE);
    await expectCode(
      alice.mutation(api.codex.answerServerRequest, { idempotencyKey: "a0", threadId, requestId: command._id, response: { decision: "acceptForSession" } }),
      "INVALID_ARGUMENT",
    );
    await alice.mutation(api.codex.answerServerRequest, {
      idempotencyKey: "a1", threadId, requestId: command._id,
      response: { decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["touch", "approved.txt"] } } },
    });
    const [queued] = await t.query(api.codex.listDeviceCommands, { deviceSecret });
    expect(JSON.parse(queued!.args)).toEqual({
      threadId, sessionId: "s-dev", requestSeq: command.seq, jsonRpcId: 0, method: "item/commandExecution/requestApproval",
      response: { decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["touch", "approved.txt"] } } },
    });
  });

  test("every other kind is pending with its UI fields", async () => {
    const { pending } = await setup();
    expect(pending).toHaveLength(6);
    expect(byMethod(pending, "item/permissions/requestApproval")).toMatchObject({
      reason: "Needs the network", cwd: "/w", permissions: JSON.stringify({ network: { enabled: true }, fileSystem: null }),
    });
    expect(byMethod(pending, "item/tool/requestUserInput").questions).toEqual([
      { id: "branch", header: "Branch", question: "Which branch?", isOther: true, isSecret: false, options: [{ label: "main", description: "the default" }] },
    ]);
    expect(byMethod(pending, "mcpServer/elicitation/request")).toMatchObject({
      serverName: "tickets", elicitationMode: "form", reason: "Ticket title?", requestedSchema: expect.stringContaining('"title"'),
    });
    expect(byMethod(pending, "item/tool/call")).toMatchObject({ tool: "lookup", toolArguments: '{"q":"x"}', itemId: "c1" });
    expect(byMethod(pending, "execCommandApproval")).toMatchObject({
      command: "rm -rf build", cwd: "/w", availableDecisions: ["approved", "approved_for_session", "denied", "abort"],
    });
    expect(byMethod(pending, "applyPatchApproval")).toMatchObject({
      reason: "tidy", paths: ["/w/a.txt"], diff: expect.stringContaining("+b"),
    });
  });

  test("answers are validated per kind; the first answer wins and becomes the device's command", async () => {
    const { t, deviceSecret, pending } = await setup();
    const alice = t.withIdentity(ALICE);
    const answer = (key: string, method: string, response: unknown) =>
      alice.mutation(api.codex.answerServerRequest, { idempotencyKey: key, threadId: "th-1", requestId: byMethod(pending, method)._id, response: response as never });
    // Wrong kinds of answer for each method.
    await expectCode(answer("w1", "item/tool/requestUserInput", { decision: "accept" }), "INVALID_ARGUMENT");
    await expectCode(answer("w2", "execCommandApproval", { decision: "accept" }), "INVALID_ARGUMENT");
    await expectCode(answer("w3", "item/tool/call", { action: "accept", content: null }), "INVALID_ARGUMENT");
    await expectCode(answer("w4", "item/permissions/requestApproval", { answers: {} }), "INVALID_ARGUMENT");
    // Right kinds.
    await answer("r1", "item/permissions/requestApproval", { permissions: { network: { enabled: true } }, scope: "turn" });
    await answer("r2", "item/tool/requestUserInput", { answers: { branch: { answers: ["main"] } } });
    await answer("r3", "mcpServer/elicitation/request", { action: "accept", content: { title: "Fix login" } });
    await answer("r4", "item/tool/call", { contentItems: [{ type: "inputText", text: "42" }], success: true });
    await answer("r5", "execCommandApproval", { decision: { denied: { rejection: "not in CI" } } });
    await answer("r6", "applyPatchApproval", { decision: "approved" });
    // The same key again returns the same command; another answer to the same request is refused.
    const again = await answer("r2", "item/tool/requestUserInput", { answers: { branch: { answers: ["main"] } } });
    await expectCode(answer("r7", "item/tool/requestUserInput", { answers: { branch: { answers: ["dev"] } } }), "REQUEST_ALREADY_ANSWERED");
    const commands = await t.query(api.codex.listDeviceCommands, { deviceSecret });
    expect(commands).toHaveLength(6);
    // Still pending until the desktop replies, each marked with the command carrying its answer.
    const listed = await alice.query(api.codex.listServerRequests, { threadId: "th-1" });
    expect(listed.map((r) => r.answerCommandId).sort()).toEqual(commands.map((c) => c.commandId).sort());
    expect(commands.some((c) => c.commandId === again.commandId)).toBe(true);
    const elicitation = commands.map((c) => JSON.parse(c.args) as { method: string; response: unknown; jsonRpcId: unknown })
      .find((a) => a.method === "mcpServer/elicitation/request");
    expect(elicitation).toMatchObject({ jsonRpcId: 12, response: { action: "accept", content: { title: "Fix login" }, _meta: null } });
  });

  test("a failed answer lets the user answer again; an expired or answered request cannot be answered", async () => {
    const { t, deviceSecret, pending } = await setup();
    const alice = t.withIdentity(ALICE);
    const tool = byMethod(pending, "item/tool/call");
    const first = await alice.mutation(api.codex.answerServerRequest, {
      idempotencyKey: "t1", threadId: "th-1", requestId: tool._id, response: { contentItems: [], success: false },
    });
    await t.mutation(api.codex.claimCommand, { deviceSecret, commandId: first.commandId });
    await t.mutation(api.codex.completeCommand, { deviceSecret, commandId: first.commandId, error: { code: "REQUEST_EXPIRED", message: "codex restarted" } });
    await alice.mutation(api.codex.answerServerRequest, {
      idempotencyKey: "t2", threadId: "th-1", requestId: tool._id, response: { contentItems: [], success: true },
    });
    // The bridge's answer line marks the request answered; then nobody else can answer.
    await pushAsDevice(t, deviceSecret, [JSON.stringify({ id: 13, result: { contentItems: [], success: true } })], { origin: "bridge" });
    await expectCode(
      alice.mutation(api.codex.answerServerRequest, { idempotencyKey: "t3", threadId: "th-1", requestId: tool._id, response: { contentItems: [], success: true } }),
      "REQUEST_ALREADY_ANSWERED",
    );
    // codex restarted: the bridge declares the id dead, the request is expired with its reason.
    const patch = byMethod(pending, "applyPatchApproval");
    await pushAsDevice(t, deviceSecret, [notification("bridge/serverRequestExpired", { requestId: 15, reason: "codex restarted (exit code 1)" })], { origin: "bridge" });
    const expired = await alice.query(api.codex.listServerRequests, { threadId: "th-1", status: "expired" });
    expect(expired).toEqual([expect.objectContaining({ _id: patch._id, expiredReason: "codex restarted (exit code 1)", resolvedAt: expect.any(Number) })]);
    await expectCode(
      alice.mutation(api.codex.answerServerRequest, { idempotencyKey: "t4", threadId: "th-1", requestId: patch._id, response: { decision: "approved" } }),
      "REQUEST_CLOSED",
    );
    // An expiry for an id that is not open is kept in the log, not applied.
    await pushAsDevice(t, deviceSecret, [notification("bridge/serverRequestExpired", { requestId: 999, reason: "x" })], { origin: "bridge" });
    expect((await alice.query(api.codex.listServerRequests, { threadId: "th-1", status: "expired" }))).toHaveLength(1);
  });

  test("another user can neither see nor answer Alice's requests", async () => {
    const { t, pending } = await setup();
    const bob = t.withIdentity(BOB);
    const target = byMethod(pending, "applyPatchApproval");
    await expectCode(bob.query(api.codex.listServerRequests, { threadId: "th-1" }), "THREAD_NOT_FOUND");
    await expectCode(
      bob.mutation(api.codex.answerServerRequest, { idempotencyKey: "b", threadId: "th-1", requestId: target._id, response: { decision: "approved" } }),
      "THREAD_NOT_FOUND",
    );
    // Bob's own thread does not open Alice's request either.
    const bobDevice = await pairDevice(t, BOB, "bob-box");
    await pushAsDevice(t, bobDevice.deviceSecret, [threadStarted("th-bob")], { sessionId: "s-bob" });
    await expectCode(
      bob.mutation(api.codex.answerServerRequest, { idempotencyKey: "b2", threadId: "th-bob", requestId: target._id, response: { decision: "approved" } }),
      "REQUEST_NOT_FOUND",
    );
    await expectCode(
      bob.mutation(api.codex.answerServerRequest, { idempotencyKey: "b3", threadId: "th-bob", requestId: "not-an-id", response: { decision: "approved" } }),
      "REQUEST_NOT_FOUND",
    );
    expect(await t.query(api.codex.listDeviceCommands, { deviceSecret: bobDevice.deviceSecret })).toEqual([]);
  });
});
