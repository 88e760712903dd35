/**
 * Cross-tenant fuzz of every paginated function, through the example host's
 * wrappers: three users, each with threads of messages and logged events;
 * random and adversarial `cursor`/`endCursor` values (empty arrays, inverted
 * and truncated keys, keys of other users' threads, values of other types,
 * non-JSON) must either be refused with INVALID_ARGUMENT or return only the
 * caller's rows, never more than the page cap.
 */
import { describe, expect, test } from "vitest";
import { ConvexError, convexToJson, type Value } from "convex/values";
import { api } from "../example/convex/_generated/api.js";
import { initConvexTest, type TestConvexApp } from "../test/convexTest.js";
import { HEAVY_TEST_TIMEOUT_MS, ingestLines } from "../test/support/component.js";
import { agentItem, notification, threadStarted, turnStarted } from "../test/support/events.js";
import { MAX_PAGE_SIZE } from "../src/shared/limits.js";
import { MAX_PAGE_GROWTH_FACTOR } from "./lib/pagination.js";

const USERS = ["alice", "bob", "carol"].map((name) => ({ name, identity: { subject: name, tokenIdentifier: `test|${name}` } }));
type User = (typeof USERS)[number];
const THREADS_PER_USER = 2;
const MESSAGES_PER_THREAD = 12;
const EVENTS_PER_THREAD = 6;
const FUZZ_CASES = 1500;
const FUZZ_TIMEOUT_MS = 2 * HEAVY_TEST_TIMEOUT_MS;

/** mulberry32: a small seeded PRNG, so a failing case can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Codex thread ids of a user; `shared` ids are the same for every user (item 2 of issue 7). */
function threadIds(user: User): string[] {
  return [...Array.from({ length: THREADS_PER_USER }, (_, i) => `th-${user.name}-${i}`), ...sharedThreadIds()];
}
function sharedThreadIds(): string[] {
  return SHARED_THREADS ? ["th-shared"] : [];
}
/** Whether the users also share one codex thread id (needs threads keyed per user). */
const SHARED_THREADS = true;

async function seed(t: TestConvexApp): Promise<void> {
  for (const user of USERS) {
    for (const threadId of threadIds(user)) {
      const lines = [threadStarted(threadId), turnStarted(threadId, "tu-1")];
      for (let i = 0; i < MESSAGES_PER_THREAD; i++) {
        lines.push(agentItem("item/completed", threadId, "tu-1", `it-${i}`, `secret of ${user.name} #${i}`));
      }
      for (let i = 0; i < EVENTS_PER_THREAD; i++) {
        lines.push(notification("codexConvex/fuzzUnknown", { threadId, owner: user.name, i }));
      }
      await ingestLines(t, lines, { identity: user.identity, sessionId: `s-${user.name}` });
    }
  }
}

type Fn = "listMessages" | "listEvents" | "listThreads";
type PageOpts = { numItems: number; cursor: string | null; endCursor?: string | null };

async function call(t: TestConvexApp, user: User, fn: Fn, threadId: string, paginationOpts: PageOpts) {
  const u = t.withIdentity(user.identity);
  if (fn === "listMessages") {
    const order = paginationOpts.numItems % 2 === 0 ? "asc" : "desc";
    const r = await u.query(api.codex.listMessages, { threadId, paginationOpts, order });
    return { ...r, owners: r.page.map((m) => /secret of (\w+)/.exec(m.text ?? "")?.[1]) };
  }
  if (fn === "listEvents") {
    const r = await u.query(api.codex.listEvents, { threadId, paginationOpts });
    return { ...r, owners: r.page.map((e) => (JSON.parse(e.line) as { params?: { owner?: string } }).params?.owner) };
  }
  const r = await u.query(api.codex.listThreads, { paginationOpts });
  return { ...r, owners: r.page.map((th) => th.userId.replace(/^test\|/, "")) };
}

/** Every continue/split cursor of every user's pages, walked with small pages: other users' keys. */
async function honestCursors(t: TestConvexApp): Promise<string[]> {
  const out = new Set<string>();
  for (const user of USERS) {
    for (const fn of ["listMessages", "listEvents", "listThreads"] as Fn[]) {
      for (const threadId of fn === "listThreads" ? [""] : threadIds(user)) {
        let cursor: string | null = null;
        for (let guard = 0; guard < 50; guard++) {
          const r = await call(t, user, fn, threadId, { numItems: 3, cursor });
          out.add(r.continueCursor);
          if (r.splitCursor) out.add(r.splitCursor);
          if (r.isDone) break;
          cursor = r.continueCursor;
        }
      }
    }
  }
  return [...out];
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

/** A random Convex-ish value, of any type a cursor element might hold. */
function randomValue(r: () => number, ids: string[]): Value {
  switch (Math.floor(r() * 9)) {
    case 0: return Math.floor(r() * 100) - 10;
    case 1: return r() < 0.5 ? -Infinity : Infinity;
    case 2: return pick(r, ids);
    case 3: return pick(r, ["", "undefined", "\uffff", "th-alice-0", "th-shared", "alice", "bob"]);
    case 4: return null;
    case 5: return BigInt(Math.floor(r() * 1000));
    case 6: return r() < 0.5;
    case 7: return [];
    default: return r() * 1e15;
  }
}

/** Adversarial cursors built from honest ones: truncated, extended, re-prefixed, inverted. */
function adversarialCursor(r: () => number, honest: string[], ids: string[]): string | null {
  const base = pick(r, honest);
  let key: unknown[];
  try {
    key = JSON.parse(base) as unknown[];
  } catch {
    key = [];
  }
  switch (Math.floor(r() * 12)) {
    case 0: return null;
    case 1: return "[]";
    case 2: return base;
    case 3: return JSON.stringify(key.slice(0, Math.floor(r() * key.length)));
    case 4: return JSON.stringify([...key, convexToJson(randomValue(r, ids))]);
    case 5: {
      const k = [...key];
      k[Math.floor(r() * Math.max(1, k.length))] = convexToJson(randomValue(r, ids));
      return JSON.stringify(k);
    }
    case 6: return JSON.stringify(Array.from({ length: Math.floor(r() * 6) }, () => convexToJson(randomValue(r, ids))));
    case 7: return pick(r, ["", "null", "{}", "1", '"x"', "[[]]", "[null]", "not json", "[", '{"$integer":"AAAAAAAAAAA="}']);
    case 8: return JSON.stringify(convexToJson(randomValue(r, ids)));
    case 9: {
      // Keep the shape, invert the position: the other end of the same range.
      const k = [...key];
      if (k.length >= 2) k[k.length - 2] = r() < 0.5 ? 0 : Number.MAX_SAFE_INTEGER;
      return JSON.stringify(k);
    }
    case 10: return JSON.stringify(key.map((x) => (typeof x === "string" ? pick(r, ids) : x)));
    default: return pick(r, honest);
  }
}

function errorCodeOf(error: unknown): string | undefined {
  if (!(error instanceof ConvexError)) return undefined;
  const data: unknown = (error as ConvexError<string>).data;
  const parsed = (typeof data === "string" ? JSON.parse(data) : data) as { code?: string };
  return parsed.code;
}

describe("paginated queries never leave the caller's rows", () => {
  test(
    "random and adversarial cursors and endCursors on listMessages, listEvents and listThreads",
    async () => {
      const t = initConvexTest();
      await seed(t);
      const honest = await honestCursors(t);
      const ids = honest.flatMap((c) => {
        try {
          return (JSON.parse(c) as unknown[]).filter((x): x is string => typeof x === "string");
        } catch {
          return [];
        }
      });
      const r = rng(0xc0de);
      let answered = 0;
      let refused = 0;
      for (let i = 0; i < FUZZ_CASES; i++) {
        const user = pick(r, USERS);
        const fn = pick(r, ["listMessages", "listEvents", "listThreads"] as const);
        const threadId = pick(r, threadIds(user));
        const numItems = r() < 0.9 ? 1 + Math.floor(r() * 5) : pick(r, [0, -1, 1.5, MAX_PAGE_SIZE, MAX_PAGE_SIZE + 1, NaN]);
        const opts: PageOpts = { numItems, cursor: adversarialCursor(r, honest, ids) };
        if (r() < 0.6) opts.endCursor = adversarialCursor(r, honest, ids);
        const context = `case ${i}: ${user.name} ${fn}(${threadId}, ${JSON.stringify(opts)})`;
        let result: Awaited<ReturnType<typeof call>>;
        try {
          result = await call(t, user, fn, threadId, opts);
        } catch (error) {
          expect(errorCodeOf(error), `${context}: ${String(error)}`).toBe("INVALID_ARGUMENT");
          refused += 1;
          continue;
        }
        answered += 1;
        expect(result.owners.every((o) => o === user.name), `${context}: owners ${result.owners.join(",")}`).toBe(true);
        expect(result.page.length, context).toBeLessThanOrEqual(Math.max(0, numItems) * MAX_PAGE_GROWTH_FACTOR);
      }
      // Both paths were exercised.
      expect(answered).toBeGreaterThan(FUZZ_CASES / 10);
      expect(refused).toBeGreaterThan(FUZZ_CASES / 10);
    },
    FUZZ_TIMEOUT_MS,
  );

  test("endCursor cannot lift the numItems cap; an honest endCursor page still reads whole", async () => {
    const t = initConvexTest();
    await seed(t);
    const alice = t.withIdentity(USERS[0]!.identity);
    const threadId = "th-alice-0";
    const first = await alice.query(api.codex.listMessages, { threadId, paginationOpts: { numItems: 10, cursor: null } });
    // An honest pinned page of 10 reads the same 10 rows.
    const pinned = await alice.query(api.codex.listMessages, {
      threadId,
      paginationOpts: { numItems: 10, cursor: null, endCursor: first.continueCursor },
    });
    expect(pinned.page.map((m) => m.itemId)).toEqual(first.page.map((m) => m.itemId));
    // numItems 1 with an endCursor 10 rows away: over the cap, so no rows and a split point.
    const capped = await alice.query(api.codex.listMessages, {
      threadId,
      paginationOpts: { numItems: 1, cursor: null, endCursor: first.continueCursor },
    });
    expect(capped).toMatchObject({ page: [], pageStatus: "SplitRequired", continueCursor: first.continueCursor });
    expect(capped.splitCursor).toEqual(expect.any(String));
    // "[]" as endCursor (to the end of the range) is capped the same way.
    const toEnd = await alice.query(api.codex.listMessages, { threadId, paginationOpts: { numItems: 1, cursor: null, endCursor: "[]" } });
    expect(toEnd.page).toEqual([]);
    expect(toEnd.pageStatus).toBe("SplitRequired");
  }, FUZZ_TIMEOUT_MS);
});
