/**
 * Which Convex client the page uses:
 * - `VITE_CONVEX_URL` set at build time: a real `ConvexReactClient` (websocket
 *   sync), authenticated with `?token=` or `VITE_CODEX_CONVEX_AUTH_TOKEN`;
 * - else `?standIn=<url>`: the local test stand-in that polls the loopback
 *   HTTP stand-in (`npm run demo:web`), since no Convex backend runs offline.
 */
import { ConvexReactClient } from "convex/react";
import { PollingConvexClient } from "../../test/stand-ins/pollingConvexClient.js";

export type PageClient = { client: ConvexReactClient; description: string };

/** @throws Error when neither a deployment nor a stand-in URL is configured. */
export function createClient(location: Location): PageClient {
  const params = new URLSearchParams(location.search);
  const token = params.get("token") ?? import.meta.env.VITE_CODEX_CONVEX_AUTH_TOKEN;
  const deployment = import.meta.env.VITE_CONVEX_URL as string | undefined;
  if (deployment) {
    const client = new ConvexReactClient(deployment);
    if (token) client.setAuth(async () => token);
    return { client, description: `Convex deployment ${deployment}` };
  }
  const standIn = params.get("standIn");
  if (standIn) {
    // The stand-in implements the part of ConvexReactClient that convex/react's hooks call.
    const client = new PollingConvexClient(standIn, { authToken: token ?? undefined }) as unknown as ConvexReactClient;
    return { client, description: `local Convex stand-in at ${standIn} (polling)` };
  }
  throw new Error("No Convex: build with VITE_CONVEX_URL, or open the page with ?standIn=<url> (npm run demo:web).");
}
