/**
 * The wire form of Convex's WebSocket sync protocol, as the `convex` package's
 * own client speaks it (`convex/src/browser/sync/protocol.ts`, whose types the
 * package does not export): the client messages the stand-in accepts, as
 * validators (a client is never trusted), and the server messages it sends.
 *
 * Timestamps travel as a u64, little-endian, base64-encoded (the client's
 * `longToU64` / `u64ToLong`).
 */
import { validate } from "convex-helpers/validators";
import { v, type Infer, type JSONValue } from "convex/values";

/** Bytes of an encoded timestamp (a u64). */
const TS_BYTES = 8;
/** Largest timestamp the wire can carry. */
export const MAX_TS = 2n ** 64n - 1n;

/** A timestamp as the wire carries it: the u64's 8 little-endian bytes in base64. */
export type EncodedTs = string;

/**
 * Encodes a timestamp for the wire.
 * @throws RangeError when `ts` is negative or above {@link MAX_TS}.
 */
export function encodeTs(ts: bigint): EncodedTs {
  const bytes = Buffer.alloc(TS_BYTES);
  bytes.writeBigUInt64LE(ts);
  return bytes.toString("base64");
}

/**
 * Decodes a wire timestamp.
 * @throws Error when `encoded` is not 8 bytes of base64.
 */
export function decodeTs(encoded: EncodedTs): bigint {
  const bytes = Buffer.from(encoded, "base64");
  if (bytes.length !== TS_BYTES) throw new Error(`a timestamp is ${TS_BYTES} bytes of base64, got "${encoded}"`);
  return bytes.readBigUInt64LE();
}

const vAddQuery = v.object({
  type: v.literal("Add"),
  queryId: v.number(),
  udfPath: v.string(),
  args: v.array(v.any()),
  journal: v.optional(v.union(v.string(), v.null())),
  componentPath: v.optional(v.string()),
});

const vRemoveQuery = v.object({ type: v.literal("Remove"), queryId: v.number() });

const vFunctionCall = {
  requestId: v.number(),
  udfPath: v.string(),
  args: v.array(v.any()),
  componentPath: v.optional(v.string()),
};

/** Every message a client may send (`ClientMessage` of the convex client, encoded). */
export const vClientMessage = v.union(
  v.object({
    type: v.literal("Connect"),
    sessionId: v.string(),
    connectionCount: v.number(),
    lastCloseReason: v.union(v.string(), v.null()),
    maxObservedTimestamp: v.optional(v.string()),
    clientTs: v.optional(v.number()),
  }),
  v.object({
    type: v.literal("ModifyQuerySet"),
    baseVersion: v.number(),
    newVersion: v.number(),
    modifications: v.array(v.union(vAddQuery, vRemoveQuery)),
  }),
  v.object({ type: v.literal("Mutation"), ...vFunctionCall }),
  v.object({ type: v.literal("Action"), ...vFunctionCall }),
  v.object({ type: v.literal("Authenticate"), tokenType: v.literal("User"), value: v.string(), baseVersion: v.number() }),
  v.object({
    type: v.literal("Authenticate"),
    tokenType: v.literal("Admin"),
    value: v.string(),
    baseVersion: v.number(),
    impersonating: v.optional(v.any()),
  }),
  v.object({ type: v.literal("Authenticate"), tokenType: v.literal("None"), baseVersion: v.number() }),
  v.object({ type: v.literal("Event"), eventType: v.string(), event: v.any() }),
);

export type ClientMessage = Infer<typeof vClientMessage>;
export type AddQuery = Infer<typeof vAddQuery>;

/**
 * Parses one WebSocket text frame from a client.
 * @throws Error naming what is wrong when the frame is not JSON or not a
 *   client message of this protocol version.
 */
export function parseClientMessage(text: string): ClientMessage {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    throw new Error(`a client message must be JSON, got ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (!validate(vClientMessage, message)) {
    const type = typeof message === "object" && message !== null ? (message as { type?: unknown }).type : undefined;
    throw new Error(`not a sync-protocol client message (type ${JSON.stringify(type)}); is the convex client newer than this stand-in?`);
  }
  return message;
}

/** Which query set, identity and snapshot a client's results belong to. */
export type StateVersion = { querySet: number; identity: number; ts: EncodedTs };

export type StateModification =
  | { type: "QueryUpdated"; queryId: number; value: JSONValue; logLines: string[]; journal: null }
  | {
      type: "QueryFailed";
      queryId: number;
      errorMessage: string;
      logLines: string[];
      errorData?: JSONValue;
      journal: null;
    }
  | { type: "QueryRemoved"; queryId: number };

/** Every message the stand-in sends (`WireServerMessage` of the convex client, encoded, without chunking). */
export type ServerMessage =
  | { type: "Transition"; startVersion: StateVersion; endVersion: StateVersion; modifications: StateModification[] }
  | { type: "MutationResponse"; requestId: number; success: true; result: JSONValue; ts: EncodedTs; logLines: string[] }
  | { type: "MutationResponse"; requestId: number; success: false; result: string; logLines: string[]; errorData?: JSONValue }
  | { type: "ActionResponse"; requestId: number; success: true; result: JSONValue; logLines: string[] }
  | { type: "ActionResponse"; requestId: number; success: false; result: string; logLines: string[]; errorData?: JSONValue }
  | { type: "AuthError"; error: string; baseVersion: number; authUpdateAttempted: boolean }
  | { type: "FatalError"; error: string }
  | { type: "Ping" };
