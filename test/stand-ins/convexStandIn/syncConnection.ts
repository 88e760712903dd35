/**
 * One client WebSocket of the sync-protocol stand-in: the connection's query
 * set, identity and the version the client holds, and the answers to its
 * messages (see syncProtocol.ts for the wire).
 *
 * Messages are handled one at a time, in order. After every change of the
 * query set or identity, and after every write the deployment reports, the
 * connection reruns all its queries at one clock value and sends one
 * Transition with the results that changed (nothing when nothing changed and
 * no mutation answered here waits for that clock value). A mutation's answer
 * goes out before the Transition that reflects it, as the client needs.
 */
import WebSocket from "ws";
import type { CallCounts } from "./httpApi.js";
import { COMPONENT_CALL_REFUSED, QuerySet, QuerySetError } from "./querySet.js";
import type { MutationAnswer, RememberedMutations } from "./rememberedMutations.js";
import type { StandInIdentity, TokenVerifier } from "./standInAuth.js";
import type { Outcome, StandInDeployment } from "./standInDeployment.js";
import {
  decodeTs,
  encodeTs,
  parseClientMessage,
  type ClientMessage,
  type ServerMessage,
} from "./syncProtocol.js";

/** Pause between two Pings, in ms (a Convex deployment pings every 15 s; the client gives up after 60 s of silence). */
export const PING_INTERVAL_MS = 15_000;
/** WebSocket close code after a FatalError: the client broke the protocol. */
const CLOSE_PROTOCOL_ERROR = 1008;

export type SyncConnectionContext = {
  deployment: StandInDeployment;
  verifyToken: TokenVerifier;
  calls: CallCounts;
  mutations: RememberedMutations;
};

/** A client broke the protocol; the connection answers FatalError and closes. */
class ProtocolError extends Error {}

export class SyncConnection {
  private sessionId: string | null = null;
  private querySetVersion = 0;
  private identityVersion = 0;
  private identity: StandInIdentity | null = null;
  private readonly queries = new QuerySet();
  private sent = { querySet: 0, identity: 0, ts: 0n };
  /** Highest clock value of a mutation answered on this connection. */
  private awaitedTs = 0n;
  private work: Promise<void> = Promise.resolve();
  private syncQueued = false;
  private closed = false;
  private readonly stopListening: () => void;
  private readonly ping: ReturnType<typeof setInterval>;

  constructor(
    private readonly socket: WebSocket,
    private readonly context: SyncConnectionContext,
  ) {
    this.stopListening = context.deployment.onWrite(() => this.scheduleSync());
    this.ping = setInterval(() => this.send({ type: "Ping" }), PING_INTERVAL_MS);
    this.ping.unref();
    socket.on("message", (data, isBinary) => {
      if (isBinary) return this.fatal(new ProtocolError("the sync protocol sends text frames, got a binary one"));
      this.receive((data as Buffer).toString("utf8"));
    });
    socket.on("close", () => this.dispose());
    socket.on("error", () => this.dispose());
  }

  private dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopListening();
    clearInterval(this.ping);
  }

  private enqueue(step: () => Promise<void>): void {
    this.work = this.work.then(async () => {
      if (this.closed) return;
      try {
        await step();
      } catch (error) {
        this.fatal(error);
      }
    });
  }

  private receive(text: string): void {
    let message: ClientMessage;
    try {
      message = parseClientMessage(text);
    } catch (error) {
      return this.fatal(new ProtocolError((error as Error).message));
    }
    this.enqueue(() => this.handle(message));
  }

  private send(message: ServerMessage): void {
    if (!this.closed && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private fatal(error: unknown): void {
    const reason = error instanceof ProtocolError || error instanceof QuerySetError ? error.message : `stand-in failure: ${String(error)}`;
    this.send({ type: "FatalError", error: reason });
    this.socket.close(CLOSE_PROTOCOL_ERROR, "FatalError");
    this.dispose();
  }

  /** Reruns the queries soon (once, however often it is asked before it runs). */
  scheduleSync(): void {
    if (this.syncQueued || this.closed) return;
    this.syncQueued = true;
    this.enqueue(async () => {
      this.syncQueued = false;
      await this.sync();
    });
  }

  private async handle(message: ClientMessage): Promise<void> {
    if (message.type === "Event") return;
    if (message.type === "Connect") return this.connect(message);
    if (this.sessionId === null) throw new ProtocolError(`send Connect before ${message.type}`);
    switch (message.type) {
      case "ModifyQuerySet":
        return this.modifyQuerySet(message);
      case "Authenticate":
        return this.authenticate(message);
      case "Mutation":
        return this.mutation(message, this.sessionId);
      case "Action":
        return this.action(message);
    }
  }

  private connect(message: Extract<ClientMessage, { type: "Connect" }>): void {
    if (this.sessionId !== null) throw new ProtocolError("Connect sent twice on one WebSocket");
    if (message.maxObservedTimestamp !== undefined) {
      const observed = decodeTs(message.maxObservedTimestamp);
      if (observed > this.context.deployment.latestTs) {
        throw new ProtocolError(
          `the client has seen timestamp ${observed}, ahead of this stand-in's ${this.context.deployment.latestTs}: ` +
            "it talked to another deployment (a restarted stand-in?); reload the page or make a new client.",
        );
      }
    }
    this.sessionId = message.sessionId;
  }

  private modifyQuerySet(message: Extract<ClientMessage, { type: "ModifyQuerySet" }>): void {
    if (message.baseVersion !== this.querySetVersion || message.newVersion <= message.baseVersion) {
      throw new ProtocolError(
        `ModifyQuerySet ${message.baseVersion}→${message.newVersion} does not follow query set version ${this.querySetVersion}`,
      );
    }
    for (const modification of message.modifications) {
      if (modification.type === "Add") this.queries.add(modification);
      else this.queries.remove(modification.queryId);
    }
    this.querySetVersion = message.newVersion;
    this.scheduleSync();
  }

  private async authenticate(message: Extract<ClientMessage, { type: "Authenticate" }>): Promise<void> {
    if (message.baseVersion !== this.identityVersion) {
      throw new ProtocolError(`Authenticate from identity version ${message.baseVersion}, the connection is at ${this.identityVersion}`);
    }
    let identity: StandInIdentity | null = null;
    if (message.tokenType !== "None") {
      identity = message.tokenType === "User" ? await this.context.verifyToken(message.value) : null;
      if (identity === null) {
        // As a deployment does: AuthError, then close; the client fetches a fresh token and reconnects.
        this.send({
          type: "AuthError",
          error:
            message.tokenType === "Admin"
              ? "The stand-in has no admin keys; authenticate as a user."
              : "The stand-in rejected this auth token (invalid or expired); fetch a fresh one.",
          baseVersion: this.identityVersion,
          authUpdateAttempted: true,
        });
        this.socket.close(1000, "AuthError");
        this.dispose();
        return;
      }
    }
    this.identity = identity;
    this.identityVersion = message.baseVersion + 1;
    this.scheduleSync();
  }

  private async mutation(message: Extract<ClientMessage, { type: "Mutation" }>, sessionId: string): Promise<void> {
    const { requestId, udfPath, args, componentPath } = message;
    const identity = this.identity;
    const answer = await this.context.mutations.answer(sessionId, requestId, async (): Promise<MutationAnswer> => {
      this.context.calls.mutation += 1;
      const { outcome, ts } =
        componentPath === undefined
          ? await this.context.deployment.mutation(udfPath, args, identity)
          : { outcome: COMPONENT_CALL_REFUSED, ts: 0n };
      return outcome.success
        ? { response: { type: "MutationResponse", requestId, success: true, result: outcome.value, ts: encodeTs(ts), logLines: [] }, ts }
        : { response: { type: "MutationResponse", requestId, ...failedResponse(outcome) }, ts: null };
    });
    this.send(answer.response);
    if (answer.ts !== null && answer.ts > this.awaitedTs) {
      this.awaitedTs = answer.ts;
      this.scheduleSync();
    }
  }

  /** Actions run beside the connection's other work (they are not transactions and may be slow). */
  private action(message: Extract<ClientMessage, { type: "Action" }>): void {
    const { requestId, udfPath, args, componentPath } = message;
    this.context.calls.action += 1;
    const run =
      componentPath === undefined
        ? this.context.deployment.action(udfPath, args, this.identity)
        : Promise.resolve(COMPONENT_CALL_REFUSED);
    void run.then((outcome) =>
      this.send(
        outcome.success
          ? { type: "ActionResponse", requestId, success: true, result: outcome.value, logLines: [] }
          : { type: "ActionResponse", requestId, ...failedResponse(outcome) },
      ),
    );
  }

  private async sync(): Promise<void> {
    await this.context.deployment.readAtLatest(async (ts) => {
      const modifications = await this.queries.rerun(this.context.deployment, this.identity);
      const end = { querySet: this.querySetVersion, identity: this.identityVersion, ts };
      const moved =
        modifications.length > 0 ||
        end.querySet !== this.sent.querySet ||
        end.identity !== this.sent.identity ||
        this.awaitedTs > this.sent.ts;
      if (!moved || this.closed) return;
      this.send({
        type: "Transition",
        startVersion: { ...this.sent, ts: encodeTs(this.sent.ts) },
        endVersion: { ...end, ts: encodeTs(end.ts) },
        modifications,
      });
      this.sent = end;
    });
  }
}

function failedResponse(outcome: Extract<Outcome, { success: false }>) {
  return {
    success: false as const,
    result: outcome.errorMessage,
    logLines: [],
    ...(outcome.errorData !== undefined ? { errorData: outcome.errorData } : {}),
  };
}
