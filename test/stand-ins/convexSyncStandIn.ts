/**
 * A local test stand-in for a Convex deployment, on one loopback URL:
 * - the HTTP API `ConvexHttpClient` calls (`POST /api/query|mutation|action`);
 * - the WebSocket sync protocol at `/api/<version>/sync` that `ConvexClient`
 *   (convex/browser) and `ConvexReactClient` (convex/react) speak, unchanged:
 *   subscribed queries, mutations and actions, auth, reconnects.
 * Both run the example host app in memory (convex-test, see convexApp.ts).
 *
 * It is not a Convex backend. Queries rerun after every write (no read-set
 * tracking) and only changed results are sent; the timestamp is a write
 * counter; there is no OCC (mutations simply take turns), no journals, no log
 * lines, no admin auth, no signature check on tokens (see standInAuth.ts).
 * Writes it does not make itself (scheduled functions, the app called
 * directly) reach subscribers at the next write, the next rescan (every
 * `rescanMs`), or a call to `recordWrite()`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import type { ConvexApp } from "./convexApp.js";
import { handleHttpApi, MAX_BODY_BYTES, type CallCounts } from "./convexStandIn/httpApi.js";
import { RememberedMutations } from "./convexStandIn/rememberedMutations.js";
import { identityFromToken, type TokenVerifier } from "./convexStandIn/standInAuth.js";
import { StandInDeployment } from "./convexStandIn/standInDeployment.js";
import { SyncConnection } from "./convexStandIn/syncConnection.js";

export { identityFromToken, LOCAL_ISSUER, standInJwt, type StandInIdentity, type TokenVerifier } from "./convexStandIn/standInAuth.js";

/** Default pause between two reruns of every subscription for writes the stand-in did not see, in ms. */
export const DEFAULT_RESCAN_MS = 1_000;
/** The path of the sync WebSocket; the client puts its own version in the middle. */
const SYNC_PATH = /^\/api\/[^/]+\/sync$/;
/** Close code for sockets dropped by `dropConnections` or an outage: the client reconnects. */
const CLOSE_GOING_AWAY = 1001;

export type ConvexSyncStandInOptions = {
  /** Maps a bearer token to an identity (null = invalid); default {@link identityFromToken}. */
  verifyToken?: TokenVerifier;
  /**
   * Every `rescanMs`, the stand-in records a write so every subscription
   * reruns and sees writes it did not make (scheduled functions). Default
   * {@link DEFAULT_RESCAN_MS}; 0 turns it off.
   */
  rescanMs?: number;
};

export type ConvexSyncStandIn = {
  /** The deployment URL for `ConvexHttpClient`, `ConvexClient` and `ConvexReactClient`: `http://127.0.0.1:PORT`. */
  url: string;
  /** Function calls answered, by kind: HTTP requests and WebSocket requests (subscription reruns not counted). */
  calls: CallCounts;
  /** Open WebSocket connections. */
  connections(): number;
  /** Closes every WebSocket, as a network blip would; clients reconnect by themselves. */
  dropConnections(): void;
  /** While true, HTTP calls get 503 and WebSockets are closed and refused (a simulated outage). */
  setUnreachable(unreachable: boolean): void;
  /**
   * Tells subscribers about writes made on the convex-test app directly;
   * resolves once every connection has been asked to rerun its queries.
   */
  recordWrite(): Promise<void>;
  close(): Promise<void>;
};

/**
 * Starts the stand-in on 127.0.0.1 (random port) in front of `t`.
 * @param t - The in-memory app from `createConvexApp`.
 * @returns the running stand-in; `close()` stops it and drops every connection.
 */
export async function startConvexSyncStandIn(t: ConvexApp, options: ConvexSyncStandInOptions = {}): Promise<ConvexSyncStandIn> {
  const deployment = new StandInDeployment(t);
  const verifyToken = options.verifyToken ?? identityFromToken;
  const calls: CallCounts = { query: 0, mutation: 0, action: 0 };
  const mutations = new RememberedMutations();
  let unreachable = false;

  const server = http.createServer((req, res) => {
    void handleHttpApi(req, res, { deployment, verifyToken, calls, unreachable: () => unreachable });
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES });
  server.on("upgrade", (req, socket, head) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (unreachable || !SYNC_PATH.test(path)) {
      socket.end(unreachable ? "HTTP/1.1 503 Service Unavailable\r\n\r\n" : "HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => {
      new SyncConnection(ws, { deployment, verifyToken, calls, mutations });
    });
  });
  const dropConnections = () => {
    for (const ws of sockets.clients) ws.close(CLOSE_GOING_AWAY, "stand-in dropped the connection");
  };

  const rescanMs = options.rescanMs ?? DEFAULT_RESCAN_MS;
  const rescan = rescanMs > 0 ? setInterval(() => void deployment.recordWrite(), rescanMs) : undefined;
  rescan?.unref();

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    connections: () => sockets.clients.size,
    dropConnections,
    setUnreachable: (value) => {
      unreachable = value;
      if (value) dropConnections();
    },
    recordWrite: async () => {
      await deployment.recordWrite();
    },
    close: async () => {
      if (rescan) clearInterval(rescan);
      for (const ws of sockets.clients) ws.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
