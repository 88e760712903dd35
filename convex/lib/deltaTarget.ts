/**
 * Which stream a delta notification feeds. Pure; one table from Codex's delta
 * methods to stream kinds.
 */
import type { StreamKind } from "../../src/shared/validators.js";
import { type JsonObject, numberField, stringField } from "./decode.js";
import { DELTA_METHODS } from "../../src/shared/streamKinds.js";

/** Which stream a delta notification feeds. */
export type DeltaTarget = {
  threadId: string;
  turnId: string;
  itemId: string;
  kind: StreamKind;
  part: number;
  delta: string;
  /** The ThreadItem type a message created from this delta alone gets. */
  itemKind: string;
};

/** The stream a notification feeds, or undefined when it is not a well-formed delta. */
export function deltaTarget(method: string, params: JsonObject): DeltaTarget | undefined {
  const spec = DELTA_METHODS[method];
  if (spec === undefined) return undefined;
  const threadId = stringField(params, "threadId");
  const turnId = stringField(params, "turnId");
  const itemId = stringField(params, "itemId");
  const delta = stringField(params, "delta");
  if (threadId === undefined || turnId === undefined || itemId === undefined || delta === undefined) {
    return undefined;
  }
  const part = spec.partField === undefined ? 0 : (numberField(params, spec.partField) ?? 0);
  return { threadId, turnId, itemId, kind: spec.kind, part, delta, itemKind: spec.itemKind };
}

