import { describe, expect, it } from "vitest";
import { LineRouter, threadOfParams } from "./lineRouter.js";

type Holder = "a" | "b";

describe("LineRouter", () => {
  it("routes notifications and server requests by thread id, and a response to the holder that sent its request", () => {
    const router = new LineRouter<Holder>();
    router.outgoing({ id: 1, method: "thread/resume", params: { threadId: "T-a" } }, "a");
    router.outgoing({ id: 2, method: "turn/start", params: { threadId: "T-b", input: [] } }, "b");
    expect(router.incoming({ id: 2, result: { turn: { id: "turn-b" } } })).toBe("b");
    expect(router.incoming({ id: 1, result: { thread: { id: "T-a" } } })).toBe("a");
    expect(router.incoming({ method: "item/agentMessage/delta", params: { threadId: "T-a", delta: "x" } })).toBe("a");
    expect(router.incoming({ method: "turn/completed", params: { threadId: "T-b", turn: { id: "turn-b" } } })).toBe("b");
    expect(router.incoming({ id: 0, method: "item/commandExecution/requestApproval", params: { threadId: "T-b" } })).toBe("b");
    expect(router.incoming({ id: 7, method: "execCommandApproval", params: { conversationId: "T-a" } })).toBe("a");
    expect(router.ownerOfParams({ threadId: "T-b" })).toBe("b");
  });

  it("keeps lines of no thread, of unknown threads and answers to unknown ids for the bridge-level session (null)", () => {
    const router = new LineRouter<Holder>();
    router.outgoing({ id: 1, method: "turn/start", params: { threadId: "T-a" } }, "a");
    expect(router.incoming({ method: "account/rateLimits/updated", params: { rateLimits: {} } })).toBeNull();
    expect(router.incoming({ method: "configWarning", params: { summary: "no bubblewrap" } })).toBeNull();
    expect(router.incoming({ method: "some/futureNotification" })).toBeNull();
    expect(router.incoming({ method: "turn/started", params: { threadId: "T-unknown" } })).toBeNull();
    expect(router.incoming({ id: 99, result: {} })).toBeNull();
    expect(router.incoming({ id: 1, result: {} })).toBe("a");
    expect(router.incoming({ id: 1, result: {} })).toBeNull(); // answered once: a repeat belongs to no one
  });

  it("tells apart requests of different holders by id, whatever their method (ids never collide on one connection)", () => {
    const router = new LineRouter<Holder>();
    router.outgoing({ id: 10, method: "getAuthStatus", params: {} }, "a");
    router.outgoing({ id: 11, method: "getAuthStatus", params: {} }, "b");
    router.outgoing({ id: 12, method: "initialize", params: {} }, null);
    expect(router.incoming({ id: 11, result: { authMethod: "apikey" } })).toBe("b");
    expect(router.incoming({ id: 10, result: { authMethod: "apikey" } })).toBe("a");
    expect(router.incoming({ id: 12, result: {} })).toBeNull(); // the bridge's own request
    // A string id "10" is not the number 10.
    router.outgoing({ id: 10, method: "getAuthStatus", params: {} }, "a");
    expect(router.incoming({ id: "10", result: {} })).toBeNull();
    expect(router.incoming({ id: 10, result: {} })).toBe("a");
  });

  it("gives a new thread to the holder whose thread/start or thread/fork it answers, even when codex announces it first", () => {
    const router = new LineRouter<Holder>();
    router.outgoing({ id: 1, method: "thread/start", params: { cwd: "/w" } }, "a");
    // thread/started before the answer: the one holder creating a thread gets it.
    expect(router.incoming({ method: "thread/started", params: { thread: { id: "T-new" } } })).toBe("a");
    expect(router.incoming({ id: 1, result: { thread: { id: "T-new" } } })).toBe("a");
    router.outgoing({ id: 2, method: "thread/fork", params: { threadId: "T-new" } }, "b");
    expect(router.ownerOf("T-new")).toBe("a"); // forking names the source thread; it stays a's
    expect(router.incoming({ id: 2, result: { thread: { id: "T-fork" } } })).toBe("b");
    expect(router.incoming({ method: "thread/status/changed", params: { threadId: "T-fork" } })).toBe("b");
  });

  it("leaves a new thread's early lines to no one when two holders create threads at once", () => {
    const router = new LineRouter<Holder>();
    router.outgoing({ id: 1, method: "thread/start", params: {} }, "a");
    router.outgoing({ id: 2, method: "thread/start", params: {} }, "b");
    expect(router.incoming({ method: "thread/started", params: { thread: { id: "T-?" } } })).toBeNull();
    expect(router.incoming({ id: 2, result: { thread: { id: "T-b" } } })).toBe("b");
    expect(router.incoming({ method: "thread/started", params: { thread: { id: "T-b" } } })).toBe("b");
  });

  it("forgets a released holder's requests; its threads stay marked as its own until another holder takes them", () => {
    const router = new LineRouter<Holder>();
    router.outgoing({ id: 1, method: "turn/start", params: { threadId: "T-a" } }, "a");
    router.bind("T-b", "b");
    expect(router.threadsOf("a")).toEqual(["T-a"]);
    router.release("a");
    expect(router.hasEnded("a")).toBe(true);
    expect(router.hasEnded("b")).toBe(false);
    expect(router.incoming({ id: 1, result: {} })).toBeNull();
    // A late line of the ended holder's thread is still told apart from an unknown thread's.
    expect(router.incoming({ method: "turn/completed", params: { threadId: "T-a" } })).toBe("a");
    expect(router.incoming({ method: "turn/completed", params: { threadId: "T-b" } })).toBe("b");
    // Another holder resuming the thread takes it.
    router.outgoing({ id: 2, method: "thread/resume", params: { threadId: "T-a" } }, "b");
    expect(router.incoming({ method: "turn/started", params: { threadId: "T-a" } })).toBe("b");
  });

  it("finds the thread of params: threadId, conversationId, thread.id", () => {
    expect(threadOfParams({ threadId: "x", thread: { id: "y" } })).toBe("x");
    expect(threadOfParams({ conversationId: "c" })).toBe("c");
    expect(threadOfParams({ thread: { id: "y" } })).toBe("y");
    expect(threadOfParams({ threadId: 3 })).toBeNull();
    expect(threadOfParams(null)).toBeNull();
    expect(threadOfParams(["threadId"])).toBeNull();
  });
});
