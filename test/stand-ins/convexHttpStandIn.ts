/**
 * The loopback Convex stand-in under its HTTP-only name, for the tests and
 * benchmarks that drive the bridge's `ConvexHttpClient` transport: the same
 * server as convexSyncStandIn.ts, which also speaks the WebSocket sync
 * protocol on the same URL.
 */
export {
  startConvexSyncStandIn as startConvexHttpStandIn,
  type ConvexSyncStandIn as ConvexHttpStandIn,
} from "./convexSyncStandIn.js";
