/**
 * The page's Convex client: always the real `ConvexReactClient` (WebSocket
 * sync), pointed at
 * - `VITE_CONVEX_URL` when set at build time (a Convex deployment), or else
 * - `?standIn=<url>`: the local sync-protocol stand-in of `npm run demo:web`
 *   (test/stand-ins/convexSyncStandIn.ts), since no Convex backend runs offline.
 * It signs in with `?token=` or `VITE_CODEX_CONVEX_AUTH_TOKEN` when given.
 */
import { ConvexReactClient } from "convex/react";

export type PageClient = { client: ConvexReactClient; description: string };

/** @throws Error when neither a deployment nor a stand-in URL is configured. */
export function createClient(location: Location): PageClient {
  const params = new URLSearchParams(location.search);
  const token = params.get("token") ?? import.meta.env.VITE_CODEX_CONVEX_AUTH_TOKEN;
  const deployment = import.meta.env.VITE_CONVEX_URL as string | undefined;
  const standIn = params.get("standIn");
  const url = deployment ?? standIn;
  if (!url) {
    throw new Error("No Convex: build with VITE_CONVEX_URL, or open the page with ?standIn=<url> (npm run demo:web).");
  }
  const client = new ConvexReactClient(url);
  if (token) client.setAuth(async () => token);
  return {
    client,
    description: deployment ? `Convex deployment ${deployment}` : `local Convex stand-in at ${url} (sync protocol)`,
  };
}
