/**
 * The bridge's `IngestTransport` served by the in-memory Convex stand-in
 * (convex-test), calling the example host app's public functions as the
 * signed-in `identity`, exactly as `ConvexHttpTransport` calls a deployment.
 */
import { api } from "../../example/convex/_generated/api.js";
import type { EnsureSessionArgs, IngestArgs, IngestTransport } from "../../src/bridge/push/transport.js";
import type { IngestResult, SessionState } from "../../src/shared/validators.js";
import type { ConvexApp } from "./convexApp.js";

/** The identity the demo and tests act as. */
export const LOCAL_USER = { subject: "local-user", tokenIdentifier: "local|local-user", name: "Local user" };

export class ConvexTestTransport implements IngestTransport {
  private readonly user;

  /**
   * @param t - The in-memory app from `createConvexApp`.
   * @param identity - Who the bridge acts as (defaults to {@link LOCAL_USER}).
   * @param options.failWhile - Makes every call throw while it returns true,
   *   to simulate Convex being unreachable.
   */
  constructor(
    t: ConvexApp,
    identity: { subject: string; tokenIdentifier: string } = LOCAL_USER,
    private readonly options: { failWhile?: () => boolean } = {},
  ) {
    this.user = t.withIdentity(identity);
  }

  private check(): void {
    if (this.options.failWhile?.()) throw new Error("local Convex stand-in: unreachable (simulated outage)");
  }

  async ensureSession(args: EnsureSessionArgs): Promise<SessionState> {
    this.check();
    return this.user.mutation(api.codex.ensureSession, args);
  }

  async ingestSafe(args: IngestArgs): Promise<IngestResult> {
    this.check();
    return this.user.mutation(api.codex.ingestSafe, args);
  }
}
