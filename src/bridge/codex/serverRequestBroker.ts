/**
 * Holds codex's server requests (approvals, user input, …) until someone
 * answers them: the browser through an `answerServerRequest` command (serve
 * mode), or the `--unattended` policy once `--approval-timeout` passed (at
 * once when nobody can answer, i.e. outside serve mode).
 *
 * The request line itself was stored in the outbox before it got here, so it
 * is pending in Convex; the answer is stored the same way when it is sent
 * (`CodexProcess.respond`), and codex's `serverRequest/resolved` closes it.
 * When codex exits, its requests leave the broker; `CodexProcess` records them
 * expired.
 */
import type { IncomingRequest, JsonRpcId } from "./rpc.js";
import { unattendedAnswer, type ServerRequestAnswer, type UnattendedPolicy } from "./unattended.js";

/** When and how requests are answered without a browser. */
export type ServerRequestPolicy = {
  /** How long a request waits for an answer, in ms: 0 = answer by policy at once; `Infinity` = wait forever. */
  waitMs: number;
  /** The answer once `waitMs` passed. */
  unattended: UnattendedPolicy;
};

/** Outside serve mode nobody can answer: decline at once (the behaviour before serve mode existed). */
export const DECLINE_AT_ONCE: ServerRequestPolicy = { waitMs: 0, unattended: "decline" };

/** The codex a request came from, as far as the broker needs it. */
export type RequestOrigin = {
  respond(request: IncomingRequest, result: unknown): void;
  respondError(request: IncomingRequest, code: number, message: string): void;
  readonly exited: Promise<unknown>;
  /** The outbox seq of the line that carried the request, when known. */
  requestSeq?(id: JsonRpcId): number | undefined;
};

/** A request held by the broker: its thread, the request, when it arrived, and the outbox seq of its line (when known). */
export type HeldRequest = { threadId: string | null; request: IncomingRequest; receivedAt: number; seq: number | undefined };

/** Why {@link ServerRequestBroker.answer} could not answer: no such request held, or it is of another method. */
export type AnswerRefusal = "NOT_PENDING" | "WRONG_METHOD";

type Entry = HeldRequest & { origin: RequestOrigin; timer: ReturnType<typeof setTimeout> | null };

/** See the module comment. One broker serves every codex of a bridge. */
export class ServerRequestBroker {
  private readonly entries = new Map<string, Entry>();
  private readonly watched = new WeakSet<RequestOrigin>();

  constructor(
    private readonly policy: ServerRequestPolicy,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** The handler to give `CodexProcess` as `onServerRequest`. */
  readonly hold = (request: IncomingRequest, origin: RequestOrigin): void => {
    const threadId = threadOf(request.params);
    if (this.policy.waitMs <= 0) {
      this.send(origin, request, unattendedAnswer(request.method, request.params, this.policy.unattended));
      return;
    }
    const key = keyOf(threadId, request.id);
    const timer = Number.isFinite(this.policy.waitMs)
      ? setTimeout(() => this.expireToPolicy(key), this.policy.waitMs)
      : null;
    timer?.unref?.();
    this.entries.set(key, { threadId, request, receivedAt: Date.now(), seq: origin.requestSeq?.(request.id), origin, timer });
    if (!this.watched.has(origin)) {
      this.watched.add(origin);
      void origin.exited.then(() => this.dropOrigin(origin));
    }
  };

  /**
   * Answers a held request of `threadId` with JSON-RPC id `id` (as received).
   * @param method - When given, the held request must have this method (else `"WRONG_METHOD"`, nothing sent).
   * @param requestSeq - When given, the held request must have come on the outbox line with this seq (else `"NOT_PENDING"`).
   * @returns null when answered; `"NOT_PENDING"` when no such request is held
   *   (already answered, timed out, or its codex is gone).
   * @throws whatever sending throws (e.g. `RPC_CLOSED`), after releasing the request.
   */
  answer(threadId: string | null, id: JsonRpcId, answer: ServerRequestAnswer, method?: string, requestSeq?: number): AnswerRefusal | null {
    const key = keyOf(threadId, id);
    const entry = this.entries.get(key);
    if (!entry) return "NOT_PENDING";
    // The same id from an earlier codex of the session: that request is gone; this one is another.
    if (requestSeq !== undefined && entry.seq !== undefined && entry.seq !== requestSeq) return "NOT_PENDING";
    if (method !== undefined && entry.request.method !== method) return "WRONG_METHOD";
    this.release(key, entry);
    this.deliver(entry.origin, entry.request, answer);
    return null;
  }

  /** Requests held now, oldest first. */
  pending(): HeldRequest[] {
    return [...this.entries.values()].map(({ threadId, request, receivedAt, seq }) => ({ threadId, request, receivedAt, seq }));
  }

  /** Answers every held request by policy (e.g. when the bridge stops serving but codex goes on). */
  answerAllByPolicy(): void {
    for (const key of [...this.entries.keys()]) this.expireToPolicy(key);
  }

  private expireToPolicy(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.release(key, entry);
    this.send(entry.origin, entry.request, unattendedAnswer(entry.request.method, entry.request.params, this.policy.unattended));
  }

  private send(origin: RequestOrigin, request: IncomingRequest, answer: ServerRequestAnswer): void {
    try {
      this.deliver(origin, request, answer);
    } catch (error) {
      this.onError(error);
    }
  }

  private deliver(origin: RequestOrigin, request: IncomingRequest, answer: ServerRequestAnswer): void {
    if ("result" in answer) origin.respond(request, answer.result);
    else origin.respondError(request, answer.error.code, answer.error.message);
  }

  private release(key: string, entry: Entry): void {
    if (entry.timer) clearTimeout(entry.timer);
    this.entries.delete(key);
  }

  private dropOrigin(origin: RequestOrigin): void {
    for (const [key, entry] of this.entries) if (entry.origin === origin) this.release(key, entry);
  }
}

/** The thread a request belongs to: `params.threadId`, or `params.conversationId` (legacy), or null. */
export function threadOf(params: unknown): string | null {
  if (typeof params !== "object" || params === null) return null;
  const { threadId, conversationId } = params as Record<string, unknown>;
  return typeof threadId === "string" ? threadId : typeof conversationId === "string" ? conversationId : null;
}

function keyOf(threadId: string | null, id: JsonRpcId): string {
  return `${threadId ?? ""}\u0000${JSON.stringify(id)}`;
}
