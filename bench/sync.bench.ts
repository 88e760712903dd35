/**
 * Mutation → a subscribed `ConvexClient` sees the change, through the
 * WebSocket sync-protocol stand-in (test/stand-ins/convexSyncStandIn.ts):
 * the time from the start of a mutation to the subscriber's `onUpdate` with
 * its result, per mutation, as p50 / p99 / max.
 *
 * Each mutation is an `ingestSafe` of one `thread/started` (a new thread), and
 * the subscription is the page's `listThreads` (newest first), so every
 * mutation changes the subscribed result. Cases:
 * - the bridge's production HTTP transport writes, one client subscribes;
 * - the same with more clients subscribed (each reruns its query per write);
 * - a client's own WebSocket mutation, seen by its own subscription.
 *
 * It measures the stand-in (convex-test in this process, every subscription
 * rerun after every write), not a Convex deployment.
 *
 *   npm run bench             (every bench, see bench/run.ts)
 *   npx tsx bench/sync.bench.ts
 */
import { pathToFileURL } from "node:url";
import { ConvexClient } from "convex/browser";
import WebSocket from "ws";
import { api } from "../example/convex/_generated/api.js";
import { ConvexHttpTransport } from "../src/bridge/push/convexHttpTransport.js";
import { createConvexApp } from "../test/stand-ins/convexApp.js";
import { standInJwt, startConvexSyncStandIn, type ConvexSyncStandIn } from "../test/stand-ins/convexSyncStandIn.js";
import { watchQuery } from "../test/stand-ins/watchQuery.js";
import { threadStarted, toEvents } from "../test/support/events.js";

/** Measured mutations per case. */
const MUTATIONS = 200;
/** Mutations before measuring (module loading, JIT, sockets). */
const WARM_UP_MUTATIONS = 20;
/** Clients subscribed in the fan-out case. */
const FAN_OUT_SUBSCRIBERS = 10;
/** Longest wait for one update, in ms. */
const UPDATE_TIMEOUT_MS = 30_000;
const USER = "bench-user";
const THREADS = { paginationOpts: { numItems: 20, cursor: null } };

type Writer = "http" | "websocket";
type Row = { writer: string; subscribers: number; mutations: number; "p50 ms": number; "p99 ms": number; "max ms": number };

function percentile(sorted: number[], p: number): number {
  const value = sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  return Number(value.toFixed(2));
}

function subscriber(standIn: ConvexSyncStandIn): ConvexClient {
  const client = new ConvexClient(standIn.url, {
    webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
    logger: false,
  });
  client.setAuth(async () => standInJwt(USER));
  return client;
}

/** One case on a fresh app: `MUTATIONS` writes, each timed until the first subscriber shows it. */
async function measure(writer: Writer, subscribers: number): Promise<Row> {
  const standIn = await startConvexSyncStandIn(createConvexApp(), { rescanMs: 0 });
  const clients = Array.from({ length: subscribers }, () => subscriber(standIn));
  try {
    const watches = clients.map((client) => watchQuery(client, api.codex.listThreads, THREADS));
    await Promise.all(watches.map((watch) => watch.next(() => true, UPDATE_TIMEOUT_MS)));
    const watch = watches[0]!;
    const sessionId = `bench-${writer}`;
    const http = new ConvexHttpTransport({ url: standIn.url, authToken: USER });
    const own = clients[0]!;
    await http.ensureSession({ sessionId });
    const write = (seq: number, threadId: string) => {
      const args = { sessionId, events: toEvents([threadStarted(threadId)], seq) };
      return writer === "http" ? http.ingestSafe(args) : own.mutation(api.codex.ingestSafe, args);
    };
    const samples: number[] = [];
    for (let i = 0; i < WARM_UP_MUTATIONS + MUTATIONS; i++) {
      const threadId = `thr_${i}`;
      const started = performance.now();
      const seen = watch.next((result) => result.page[0]?.threadId === threadId, UPDATE_TIMEOUT_MS).then(() => performance.now());
      await write(i + 1, threadId);
      const seenAt = await seen;
      if (i >= WARM_UP_MUTATIONS) samples.push(seenAt - started);
    }
    samples.sort((a, b) => a - b);
    return {
      writer: writer === "http" ? "bridge HTTP transport (ingestSafe)" : "the subscriber's own WebSocket mutation",
      subscribers,
      mutations: samples.length,
      "p50 ms": percentile(samples, 50),
      "p99 ms": percentile(samples, 99),
      "max ms": percentile(samples, 100),
    };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    await standIn.close();
  }
}

/** Runs every case and prints one table. */
export async function runSyncBench(): Promise<void> {
  const rows: Row[] = [];
  rows.push(await measure("http", 1));
  rows.push(await measure("http", FAN_OUT_SUBSCRIBERS));
  rows.push(await measure("websocket", 1));
  console.log(
    "Mutation → subscribed ConvexClient's onUpdate, through the WebSocket sync-protocol stand-in " +
      `(one new thread per mutation, listThreads subscribed; ${WARM_UP_MUTATIONS} warm-up mutations, fresh app per case)`,
  );
  console.table(rows);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runSyncBench();
