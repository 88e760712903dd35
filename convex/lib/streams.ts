/** Conversions between stream documents and the shapes queries return. */
import type { Doc } from "../_generated/dataModel.js";
import type { StreamInfo } from "../../src/shared/validators.js";

/** A stream document as `StreamInfo` (ids as strings). */
export function toStreamInfo(stream: Doc<"streams">): StreamInfo {
  return {
    streamId: stream._id,
    threadId: stream.threadId,
    turnId: stream.turnId,
    itemId: stream.itemId,
    kind: stream.kind,
    part: stream.part,
    state: stream.state,
    nextCursor: stream.nextCursor,
  };
}
