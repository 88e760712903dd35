import { describe, expect, it } from "vitest";
import { INITIAL_PROGRESS, observeLines, readProgress, type JobProgress } from "./progress.js";
import { expiredLine } from "./pendingRequests.js";

const request = (id: number | string, method = "item/commandExecution/requestApproval", threadId = "thr") =>
  JSON.stringify({ method, id, params: { threadId, turnId: "t", itemId: "call_1" } });
const resolved = (requestId: number | string) => JSON.stringify({ method: "serverRequest/resolved", params: { threadId: "thr", requestId } });

describe("pending server requests in the progress", () => {
  it("opens on codex's request and closes on the bridge's reply or codex's serverRequest/resolved", () => {
    let p: JobProgress = INITIAL_PROGRESS;
    p = observeLines(p, [request(0), request("x", "execCommandApproval")]) ?? p;
    expect(p.pendingRequests).toEqual([
      { id: 0, method: "item/commandExecution/requestApproval", threadId: "thr" },
      { id: "x", method: "execCommandApproval", threadId: "thr" },
    ]);
    p = observeLines(p, [JSON.stringify({ id: 0, result: { decision: "accept" } })], "bridge") ?? p;
    expect(p.pendingRequests.map((r) => r.id)).toEqual(["x"]);
    p = observeLines(p, [resolved("x")]) ?? p;
    expect(p.pendingRequests).toEqual([]);
  });

  it("ignores our own requests, codex's responses, a reply from codex and a resolved for an unknown id", () => {
    const p: JobProgress = { ...INITIAL_PROGRESS, pendingRequests: [{ id: 3, method: "m", threadId: null }] };
    expect(observeLines(p, [JSON.stringify({ id: 9, method: "turn/start", params: { threadId: "thr" } })], "bridge")).toBeNull();
    expect(observeLines(p, [JSON.stringify({ id: 3, result: {} }), resolved(4)])).toBeNull();
  });

  it("a request seen twice is held once; progress stored before this field existed reads as none pending", () => {
    const once = observeLines(INITIAL_PROGRESS, [request(1)]) as JobProgress;
    expect(observeLines(once, [request(1)])).toBeNull();
    expect(readProgress({ progress: { threadId: "thr", nextPrompt: 2 } }).pendingRequests).toEqual([]);
  });

  it("the expired record names the JSON-RPC id and the reason", () => {
    expect(JSON.parse(expiredLine({ id: 0, method: "m", threadId: "thr" }, "codex exited"))).toEqual({
      method: "bridge/serverRequestExpired",
      params: { requestId: 0, method: "m", threadId: "thr", reason: "codex exited" },
    });
  });
});
