/**
 * Pagination that cannot leave its prefix. Every paginated query of the
 * component pages one index range fixed by equalities (a thread's messages,
 * a user's threads); the caller's `cursor` and `endCursor` are convex-helpers
 * cursors (the JSON of an index key) that the paginator turns into index
 * bounds as they are. A hand-made cursor (empty, inverted, another thread's
 * key, values of other types) would build a range outside the prefix, so:
 *
 * 1. every cursor is decoded and must be a whole index key that starts with
 *    the query's prefix: a position the query itself could have returned;
 *    anything else is INVALID_ARGUMENT;
 * 2. `endCursor` cannot lift the row cap: a page reads at most
 *    `numItems × MAX_PAGE_GROWTH_FACTOR` rows (a reactive page may grow past
 *    `numItems` until the client splits it); past that the answer is an
 *    empty `SplitRequired` page that keeps `endCursor` as its continue cursor
 *    and says where to split, which convex-helpers' `usePaginatedQuery` does;
 * 3. every row of the page is checked against the prefix before it is
 *    returned (defence in depth: a row outside it is an error, never data).
 */
import { paginator } from "convex-helpers/server/pagination";
import { getIndexFields } from "convex-helpers/server/stream";
import type { PaginationOptions } from "convex/server";
import { convexToJson, jsonToConvex, type Value } from "convex/values";
import type { Doc, TableNames } from "../_generated/dataModel.js";
import type { QueryCtx } from "../_generated/server.js";
import schema from "../schema.js";
import { codexError } from "../../src/shared/errors.js";
import { MAX_PAGE_SIZE } from "../../src/shared/limits.js";

/** How far past `numItems` a page pinned by `endCursor` may grow before it must be split. */
export const MAX_PAGE_GROWTH_FACTOR = 2;

/** The continue cursor of a page that reached the end of its range (convex-helpers' spelling). */
const END_CURSOR = "[]";

/** One page as the component's paginated queries return it. */
export type Page<T> = {
  page: T[];
  isDone: boolean;
  continueCursor: string;
  splitCursor?: string | null;
  pageStatus?: "SplitRecommended" | "SplitRequired" | null;
};

/** What to page: an index of `table`, the equalities it is fixed by, and the order. */
export type PrefixRange<Table extends TableNames> = {
  table: Table;
  index: string;
  /** Leading index fields and their values, in index order, e.g. `[["threadRef", id]]`. */
  prefix: [string, Value][];
  order: "asc" | "desc";
};

/** Stable comparison of two Convex values. */
function sameValue(a: Value | undefined, b: Value | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return JSON.stringify(convexToJson(a)) === JSON.stringify(convexToJson(b));
}

/**
 * Checks that `cursor` is a whole index key of `range` inside its prefix.
 * @throws ConvexError INVALID_ARGUMENT otherwise.
 */
export function checkCursor<Table extends TableNames>(range: PrefixRange<Table>, cursor: string, name: string): void {
  const invalid = () =>
    codexError(
      "INVALID_ARGUMENT",
      `paginationOpts.${name} is not a cursor of this query; pass null to start over, or a continueCursor this query returned.`,
    );
  let key: Value;
  try {
    key = jsonToConvex(JSON.parse(cursor) as never);
  } catch {
    throw invalid();
  }
  const fields = getIndexFields(range.table, range.index as never, schema) as string[];
  if (!Array.isArray(key) || key.length !== fields.length) throw invalid();
  range.prefix.forEach(([field, value], i) => {
    if (fields[i] !== field || !sameValue(key[i], value)) throw invalid();
  });
  const creationTime = key[fields.length - 2];
  const id = key[fields.length - 1];
  if (typeof creationTime !== "number" || typeof id !== "string") throw invalid();
}

/**
 * A page of `range` for `opts`, every row inside the prefix.
 * @param minItems - Smallest accepted `numItems` (0 for a call that wants only streams).
 * @throws ConvexError INVALID_ARGUMENT when `numItems` is out of `minItems..MAX_PAGE_SIZE`
 *   or a cursor is not one this query could have returned.
 */
export async function pageInPrefix<Table extends TableNames>(
  ctx: QueryCtx,
  range: PrefixRange<Table>,
  opts: PaginationOptions,
  minItems = 1,
): Promise<Page<Doc<Table>>> {
  const { numItems } = opts;
  if (!Number.isInteger(numItems) || numItems < minItems || numItems > MAX_PAGE_SIZE) {
    throw codexError("INVALID_ARGUMENT", `numItems must be an integer from ${minItems} to ${MAX_PAGE_SIZE}; got ${numItems}.`);
  }
  const cursor = opts.cursor ?? null;
  const endCursor = opts.endCursor ?? null;
  if (cursor !== null && cursor !== END_CURSOR) checkCursor(range, cursor, "cursor");
  if (endCursor !== null && endCursor !== END_CURSOR) checkCursor(range, endCursor, "endCursor");
  if (numItems === 0) return { page: [], isDone: false, continueCursor: cursor ?? "" };
  // A page that already reached the end has nothing after it.
  if (cursor === END_CURSOR) return { page: [], isDone: true, continueCursor: END_CURSOR };

  const maxRows = numItems * MAX_PAGE_GROWTH_FACTOR;
  const query = paginator(ctx.db, schema)
    .query(range.table)
    .withIndex(range.index as never, ((q: { eq: (f: string, v: Value) => unknown }) =>
      range.prefix.reduce<unknown>((acc, [field, value]) => (acc as typeof q).eq(field, value), q)) as never)
    .order(range.order);
  const result =
    endCursor === null
      ? await query.paginate({ numItems, cursor })
      : await query.paginate({ numItems, cursor, endCursor, maximumRowsRead: maxRows + 1 });
  if (endCursor !== null && result.pageStatus === "SplitRequired") {
    // More than the cap lies before endCursor: keep the page's bounds, send no rows, say where to split.
    return { page: [], isDone: false, continueCursor: endCursor, splitCursor: result.splitCursor ?? null, pageStatus: "SplitRequired" };
  }
  for (const row of result.page) {
    for (const [field, value] of range.prefix) {
      if (!sameValue((row as Record<string, Value | undefined>)[field], value)) {
        throw codexError("INVALID_ARGUMENT", "paginationOpts left this query's range; pass null to start over.");
      }
    }
  }
  return {
    page: result.page as Doc<Table>[],
    isDone: result.isDone,
    continueCursor: result.continueCursor,
    ...(result.splitCursor !== undefined ? { splitCursor: result.splitCursor } : {}),
    ...(result.pageStatus !== undefined ? { pageStatus: result.pageStatus } : {}),
  };
}
