import { describe, expect, it, vi } from "vitest";
import type { IncomingRequest } from "./rpc.js";
import { ServerRequestBroker, type RequestOrigin } from "./serverRequestBroker.js";
import { unattendedAnswer } from "./unattended.js";

function fakeOrigin() {
  let exit!: () => void;
  const sent: Array<{ id: unknown; result?: unknown; error?: { code: number; message: string } }> = [];
  const origin: RequestOrigin = {
    respond: (request, result) => sent.push({ id: request.id, result }),
    respondError: (request, code, message) => sent.push({ id: request.id, error: { code, message } }),
    exited: new Promise<void>((resolve) => (exit = resolve)),
  };
  return { origin, sent, exit: () => exit() };
}

const approval = (id: number, threadId = "thr", method = "item/commandExecution/requestApproval"): IncomingRequest => {
  const params = { threadId, turnId: "t", itemId: "i", availableDecisions: ["accept", "cancel"] };
  return { id, method, params, message: { id, method, params } };
};

describe("ServerRequestBroker", () => {
  it("with waitMs 0 answers by policy at once (outside serve mode)", () => {
    const { origin, sent } = fakeOrigin();
    const broker = new ServerRequestBroker({ waitMs: 0, unattended: "decline" });
    broker.hold(approval(1), origin);
    broker.hold({ ...approval(2), method: "item/tool/requestUserInput" }, origin);
    expect(sent).toEqual([{ id: 1, result: { decision: "decline" } }, { id: 2, error: expect.objectContaining({ code: -32000 }) }]);
    expect(broker.pending()).toEqual([]);
  });

  it("holds a request until the browser answers it; a second answer finds it gone", () => {
    const { origin, sent } = fakeOrigin();
    const broker = new ServerRequestBroker({ waitMs: Infinity, unattended: "decline" });
    broker.hold(approval(7), origin);
    expect(sent).toEqual([]);
    expect(broker.pending().map((p) => [p.threadId, p.request.id])).toEqual([["thr", 7]]);
    expect(broker.answer("other-thread", 7, { result: { decision: "accept" } })).toBe("NOT_PENDING");
    expect(broker.answer("thr", 7, { result: { decision: "accept" } })).toBeNull();
    expect(sent).toEqual([{ id: 7, result: { decision: "accept" } }]);
    expect(broker.answer("thr", 7, { result: { decision: "accept" } })).toBe("NOT_PENDING");
  });

  it("an answer naming the line of an earlier request with the same id (codex restarted) is refused", () => {
    const { origin, sent } = fakeOrigin();
    const broker = new ServerRequestBroker({ waitMs: Infinity, unattended: "decline" });
    broker.hold(approval(0), { ...origin, requestSeq: () => 42 });
    expect(broker.pending()[0]?.seq).toBe(42);
    expect(broker.answer("thr", 0, { result: { decision: "accept" } }, "item/commandExecution/requestApproval", 7)).toBe("NOT_PENDING");
    expect(sent).toEqual([]);
    expect(broker.answer("thr", 0, { result: { decision: "accept" } }, "item/commandExecution/requestApproval", 42)).toBeNull();
    expect(sent).toEqual([{ id: 0, result: { decision: "accept" } }]);
  });

  it("answers by policy once --approval-timeout passed", () => {
    vi.useFakeTimers();
    try {
      const { origin, sent } = fakeOrigin();
      const broker = new ServerRequestBroker({ waitMs: 5_000, unattended: "accept-for-session" });
      broker.hold(approval(1), origin);
      vi.advanceTimersByTime(4_999);
      expect(sent).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(sent).toEqual([{ id: 1, result: { decision: "accept" } }]); // acceptForSession not offered
      expect(broker.answer("thr", 1, { result: {} })).toBe("NOT_PENDING");
    } finally {
      vi.useRealTimers();
    }
  });

  it("forgets the requests of a codex that exited", async () => {
    const { origin, exit } = fakeOrigin();
    const broker = new ServerRequestBroker({ waitMs: Infinity, unattended: "decline" });
    broker.hold(approval(1), origin);
    exit();
    await new Promise((resolve) => setImmediate(resolve));
    expect(broker.pending()).toEqual([]);
    expect(broker.answer("thr", 1, { result: {} })).toBe("NOT_PENDING");
  });
});

describe("unattendedAnswer", () => {
  it.each([
    ["item/fileChange/requestApproval", "decline", { result: { decision: "decline" } }],
    ["item/fileChange/requestApproval", "accept-for-session", { result: { decision: "acceptForSession" } }],
    ["execCommandApproval", "accept-for-session", { result: { decision: "approved_for_session" } }],
    ["applyPatchApproval", "decline", { result: { decision: { denied: { rejection: expect.any(String) } } } }],
    ["mcpServer/elicitation/request", "accept-for-session", { result: { action: "decline", content: null, _meta: null } }],
    ["item/permissions/requestApproval", "decline", { result: { permissions: {}, scope: "turn" } }],
  ] as const)("%s under %s", (method, policy, expected) => {
    expect(unattendedAnswer(method, { availableDecisions: ["accept", "acceptForSession"] }, policy)).toEqual(expected);
  });
});
