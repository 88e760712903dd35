/** Where the thread view shows codex's requests (example/web/components/placeRequests.ts), as a pure function. */
import { describe, expect, test } from "vitest";
import { placeRequests } from "../../example/web/components/placeRequests.js";
import type { ServerRequest } from "../../src/react/index.js";

const request = (id: string, fields: Partial<ServerRequest>): ServerRequest => ({
  _id: id,
  _creationTime: 0,
  requestId: id,
  method: "item/tool/requestUserInput",
  status: "pending",
  params: "",
  createdAt: 0,
  ...fields,
});

describe("placeRequests", () => {
  test("at the item that raised it, else at the end of its turn, else at the end of the thread while it waits", () => {
    const messages = [
      { itemId: "cmd-1", turnId: "turn-1" },
      { itemId: "msg-2", turnId: "turn-2" },
    ];
    const atItem = request("a", { itemId: "cmd-1", turnId: "turn-1", method: "item/commandExecution/requestApproval" });
    const atTurn = request("b", { itemId: "call_ask", turnId: "turn-2" });
    const pendingElsewhere = request("c", { itemId: "old", turnId: "turn-0" });
    const expiredElsewhere = request("d", { itemId: "old", turnId: "turn-0", status: "expired" });
    const expiredAtTurn = request("e", { turnId: "turn-1", status: "expired" });
    const placed = placeRequests([atItem, atTurn, pendingElsewhere, expiredElsewhere, expiredAtTurn], messages);
    expect(placed.atItem).toEqual(new Map([["cmd-1", [atItem]]]));
    expect(placed.atTurnEnd).toEqual(new Map([["turn-2", [atTurn]], ["turn-1", [expiredAtTurn]]]));
    // An expired request of an unloaded turn is history: not shown until its turn is loaded.
    expect(placed.loose).toEqual([pendingElsewhere]);
  });
});
