/**
 * Routing on ONE codex connection shared by many holders (jobs, browser
 * threads): which holder a line belongs to. Pure bookkeeping, no I/O.
 *
 * - A response goes to the holder that sent the request (by JSON-RPC id; the
 *   connection numbers every request once, so ids never collide between holders).
 * - A notification or server request goes to the holder of its thread:
 *   `params.threadId`, else `params.conversationId` (legacy requests), else
 *   `params.thread.id` (`thread/started`).
 * - A holder owns a thread from the first request it sends about it
 *   (`thread/resume`, `turn/start`, …), or from the answer to its
 *   `thread/start` / `thread/fork`. A line of an unknown thread that arrives
 *   while exactly one holder waits for such an answer is that holder's (codex
 *   may announce the new thread before answering).
 * - Anything else (no thread, an unknown thread, a response to an unknown id)
 *   belongs to no holder: `null`, which the caller stores in the bridge-level
 *   session. Nothing is dropped. A released holder keeps its threads (until
 *   another holder takes them), so the caller can tell their late lines apart.
 */
import type { JsonRpcId } from "./rpc.js";

/** Requests whose answer names a new thread of the sender. */
export const THREAD_CREATING_METHODS: ReadonlySet<string> = new Set(["thread/start", "thread/fork"]);

type Sent<H> = { holder: H; createsThread: boolean };

/** See the module comment. `H` is whatever stands for a holder (a lease). */
export class LineRouter<H> {
  private readonly owners = new Map<string, H>();
  private readonly sent = new Map<string, Sent<H>>();
  private readonly creating = new Map<H, number>();
  private readonly ended = new Set<H>();

  /** The holder of `threadId`, or undefined. */
  ownerOf(threadId: string): H | undefined {
    return this.owners.get(threadId);
  }

  /** Makes `holder` the owner of `threadId` (a later owner replaces an earlier one). */
  bind(threadId: string, holder: H): void {
    this.owners.set(threadId, holder);
  }

  /**
   * Ends `holder` (its lease ended): its requests are forgotten (a late answer
   * belongs to no one), its threads stay its own until another holder takes
   * them, so their late lines can still be told apart from those of threads
   * nobody ever held (see {@link LineRouter.hasEnded}).
   */
  release(holder: H): void {
    this.ended.add(holder);
    for (const [key, entry] of this.sent) if (entry.holder === holder) this.sent.delete(key);
    this.creating.delete(holder);
  }

  /** Whether `holder` was released. */
  hasEnded(holder: H): boolean {
    return this.ended.has(holder);
  }

  /** The threads `holder` owns now (an ended holder keeps its threads until another takes them). */
  threadsOf(holder: H): string[] {
    return [...this.owners].filter(([, owner]) => owner === holder).map(([threadId]) => threadId);
  }

  /**
   * Notes a message the bridge is about to send on behalf of `holder` (null:
   * the bridge itself): a request is remembered by id, and the thread it names
   * becomes the holder's when nobody holds it.
   */
  outgoing(message: Record<string, unknown>, holder: H | null): void {
    const { id, method } = message;
    if (!isId(id) || typeof method !== "string" || holder === null) return;
    const createsThread = THREAD_CREATING_METHODS.has(method);
    this.sent.set(idKey(id), { holder, createsThread });
    if (createsThread) {
      this.creating.set(holder, (this.creating.get(holder) ?? 0) + 1);
      return;
    }
    const threadId = threadOfParams(message.params);
    const owner = threadId === null ? undefined : this.owners.get(threadId);
    if (threadId !== null && (owner === undefined || this.ended.has(owner))) this.owners.set(threadId, holder);
  }

  /**
   * The holder of a message codex sent, or null for the bridge-level session.
   * Call once per line, in order: it learns threads from answers as it goes.
   */
  incoming(message: Record<string, unknown>): H | null {
    const { id, method } = message;
    if (typeof method !== "string") {
      if (!isId(id)) return null;
      const entry = this.sent.get(idKey(id));
      if (!entry) return null;
      this.sent.delete(idKey(id));
      if (entry.createsThread) {
        this.doneCreating(entry.holder);
        const threadId = threadOfResult(message.result);
        if (threadId !== null) this.owners.set(threadId, entry.holder);
      }
      return entry.holder;
    }
    const threadId = threadOfParams(message.params);
    if (threadId === null) return null;
    const owner = this.owners.get(threadId);
    if (owner !== undefined) return owner;
    const creators = [...this.creating.keys()];
    if (creators.length !== 1) return null;
    const creator = creators[0] as H;
    this.owners.set(threadId, creator);
    return creator;
  }

  /** The holder of a notification's or server request's thread (after {@link LineRouter.incoming} saw its line), or null. */
  ownerOfParams(params: unknown): H | null {
    const threadId = threadOfParams(params);
    return threadId === null ? null : (this.owners.get(threadId) ?? null);
  }

  private doneCreating(holder: H): void {
    const left = (this.creating.get(holder) ?? 0) - 1;
    if (left > 0) this.creating.set(holder, left);
    else this.creating.delete(holder);
  }
}

/** The thread a notification or server request names: `threadId`, `conversationId` (legacy), or `thread.id`; null when none. */
export function threadOfParams(params: unknown): string | null {
  const p = asObject(params);
  if (!p) return null;
  if (typeof p.threadId === "string") return p.threadId;
  if (typeof p.conversationId === "string") return p.conversationId;
  const thread = asObject(p.thread);
  return typeof thread?.id === "string" ? thread.id : null;
}

function threadOfResult(result: unknown): string | null {
  const thread = asObject(asObject(result)?.thread);
  return typeof thread?.id === "string" ? thread.id : null;
}

function isId(value: unknown): value is JsonRpcId {
  return typeof value === "number" || typeof value === "string";
}

function idKey(id: JsonRpcId): string {
  return `${typeof id}:${id}`;
}

function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
