/**
 * A meter of what Convex functions write and read under convex-test, counted
 * the same way for any component:
 *
 * - every write (`db.insert`, `db.patch`, `db.replace`) counts one document
 *   written and `getConvexSize` of the document as it is after the write (the
 *   size Convex bills and limits); `db.delete` counts one delete and 0 bytes;
 * - every document read (`db.get`, each row a query yields, the document a
 *   patch/replace/delete reads first) counts one document read and its size;
 * - the largest document written, and the writes by table;
 * - a write of a document over Convex's 1 MiB limit ({@link MAX_DOCUMENT_BYTES})
 *   fails, as it would on a deployment (convex-test does not check it).
 *
 * How: convex-test runs each function in a transaction with a
 * `TransactionMetricsTracker` (the same one behind
 * `ctx.meta.getTransactionMetrics()`), which is told the size of every document
 * read and written. The meter wraps the tracker's `trackRead`/`trackWrite` to
 * add each one to the running {@link Usage}, and wraps the `Convex.asyncSyscall`
 * global the Convex runtime calls for every database operation to learn which
 * operation and table each write belongs to (the syscall calls `trackWrite`
 * synchronously). Nothing in the components is changed; scheduled functions
 * (compaction, cleanup) are counted when they run inside {@link measure}.
 */
import { TransactionMetricsTracker } from "convex-test/dist/transactionMetrics.js";

/** What the functions run inside {@link measure} wrote and read. */
export type Usage = {
  documentsWritten: number;
  bytesWritten: number;
  inserts: number;
  patches: number;
  replaces: number;
  deletes: number;
  documentsRead: number;
  bytesRead: number;
  /** Largest document written (bytes, `getConvexSize`) and its table. */
  largestDocument: { bytes: number; table: string };
  /** Documents and bytes written, by table. */
  byTable: Record<string, { documents: number; bytes: number }>;
};

export function emptyUsage(): Usage {
  return {
    documentsWritten: 0,
    bytesWritten: 0,
    inserts: 0,
    patches: 0,
    replaces: 0,
    deletes: 0,
    documentsRead: 0,
    bytesRead: 0,
    largestDocument: { bytes: 0, table: "" },
    byTable: {},
  };
}

/** Convex's limit on one document, in bytes (1 MiB). */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;

type WriteOp = { kind: "insert" | "patch" | "replace" | "delete"; table: string };

let active: Usage | null = null;
let currentWrite: WriteOp | null = null;
let installed = false;

/** convex-test's ids are a zero-padded counter followed by the table name. */
function tableOfId(id: unknown): string {
  return typeof id === "string" ? id.replace(/^\d+/, "") : "?";
}

function writeOf(op: string, jsonArgs: string): WriteOp | null {
  const kind = op === "1.0/insert" ? "insert" : op === "1.0/shallowMerge" ? "patch" : op === "1.0/replace" ? "replace" : op === "1.0/remove" ? "delete" : null;
  if (kind === null) return null;
  const args = JSON.parse(jsonArgs) as { table?: string; id?: string };
  return { kind, table: kind === "insert" ? (args.table ?? "?") : tableOfId(args.id) };
}

/**
 * Installs the meter's wrappers (once). Call after the first `convexTest()`,
 * which installs the `Convex` global this wraps.
 * @throws Error when no convex-test app was created yet.
 */
export function installMeter(): void {
  if (installed) return;
  const g = globalThis as unknown as { Convex?: { syscall: unknown; asyncSyscall: (op: string, args: string) => Promise<string>; jsSyscall: unknown } };
  const inner = g.Convex;
  if (inner === undefined) throw new Error("installMeter: create a convex-test app first (it installs the Convex global).");
  g.Convex = {
    get syscall() {
      return inner.syscall;
    },
    get jsSyscall() {
      return inner.jsSyscall;
    },
    get asyncSyscall() {
      const call = inner.asyncSyscall;
      return (op: string, jsonArgs: string) => {
        currentWrite = active ? writeOf(op, jsonArgs) : null;
        try {
          return call(op, jsonArgs); // the write and its trackWrite happen before this returns its promise
        } finally {
          currentWrite = null;
        }
      };
    },
  };
  const proto = TransactionMetricsTracker.prototype;
  const trackRead = proto.trackRead;
  const trackWrite = proto.trackWrite;
  proto.trackRead = function (this: TransactionMetricsTracker, size: number) {
    if (active) {
      active.documentsRead += 1;
      active.bytesRead += size;
    }
    return trackRead.call(this, size);
  };
  proto.trackWrite = function (this: TransactionMetricsTracker, size: number) {
    if (active && currentWrite) {
      if (size > MAX_DOCUMENT_BYTES) {
        throw new Error(`a ${currentWrite.kind} in table ${currentWrite.table} made a document of ${size} bytes, over Convex's 1 MiB limit`);
      }
      record(active, currentWrite, size);
    }
    return trackWrite.call(this, size);
  };
  installed = true;
}

function record(usage: Usage, write: WriteOp, size: number): void {
  if (write.kind === "delete") {
    usage.deletes += 1;
    return;
  }
  usage.documentsWritten += 1;
  usage.bytesWritten += size;
  if (write.kind === "insert") usage.inserts += 1;
  else if (write.kind === "patch") usage.patches += 1;
  else usage.replaces += 1;
  const table = (usage.byTable[write.table] ??= { documents: 0, bytes: 0 });
  table.documents += 1;
  table.bytes += size;
  if (size > usage.largestDocument.bytes) usage.largestDocument = { bytes: size, table: write.table };
}

/**
 * Runs `fn` with the meter counting; meters do not nest.
 * @returns `fn`'s result and what it wrote and read.
 * @throws whatever `fn` throws (the meter is stopped first).
 */
export async function measure<T>(fn: () => Promise<T>): Promise<{ result: T; usage: Usage }> {
  if (!installed) throw new Error("measure: call installMeter() first.");
  if (active) throw new Error("measure: meters do not nest.");
  const usage = emptyUsage();
  active = usage;
  try {
    const result = await fn();
    return { result, usage };
  } finally {
    active = null;
  }
}
