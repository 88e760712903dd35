import { describe, expect, test } from "vitest";
import { OPTIMISTIC_ID_PREFIX } from "./optimistic.js";
import { type PendingSend, unsettledSends } from "./pendingSends.js";

const user = (itemId: string, text: string) => ({ kind: "userMessage", text, itemId });
const send = (key: string, text: string, seen = 0): PendingSend => ({ key, threadId: "th", text, seen });

describe("unsettledSends", () => {
  test("a send stays pending until codex's own user message with its text appears", () => {
    const pending = [send("k1", "Also run the tests")];
    expect(unsettledSends(pending, [])).toEqual(pending);
    // Convex's optimistic placeholder is not codex's echo.
    expect(unsettledSends(pending, [user(`${OPTIMISTIC_ID_PREFIX}k1`, "Also run the tests")])).toEqual(pending);
    expect(unsettledSends(pending, [user("other", "something else")])).toEqual(pending);
    expect(unsettledSends(pending, [user("user-2", "Also run the tests")])).toEqual([]);
  });

  test("a text already in the thread before the send needs a new echo", () => {
    const before = [user("user-1", "yes")];
    const pending = [send("k1", "yes", 1)];
    expect(unsettledSends(pending, before)).toEqual(pending);
    expect(unsettledSends(pending, [...before, user("user-2", "yes")])).toEqual([]);
  });

  test("two sends of the same text need two echoes, taken oldest first", () => {
    const pending = [send("k1", "go"), send("k2", "go")];
    expect(unsettledSends(pending, [user("u1", "go")]).map((s) => s.key)).toEqual(["k2"]);
    expect(unsettledSends(pending, [user("u1", "go"), user("u2", "go")])).toEqual([]);
  });
});
