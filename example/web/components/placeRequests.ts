/**
 * Where the thread view shows each server request: inside the item that
 * raised it, else at the end of its turn (codex raises some requests, such as
 * `item/tool/requestUserInput`, from a call that is no thread item), else,
 * when its item and turn are not on the loaded page, at the end of the
 * thread if it still waits for an answer. No React here.
 */
import type { ServerRequest, UIMessage } from "../../../src/react/index.js";

export type PlacedRequests = {
  /** By the `itemId` of a loaded message. */
  atItem: ReadonlyMap<string, ServerRequest[]>;
  /** By the `turnId` of a loaded message (shown after the turn's last one). */
  atTurnEnd: ReadonlyMap<string, ServerRequest[]>;
  /** Pending requests of items and turns not loaded (older pages, or not ingested yet). */
  loose: ServerRequest[];
};

/**
 * @param requests - Pending and expired requests, in the order to show them (oldest first).
 * @param messages - The loaded messages.
 */
export function placeRequests(requests: ServerRequest[], messages: Pick<UIMessage, "itemId" | "turnId">[]): PlacedRequests {
  const itemIds = new Set(messages.map((m) => m.itemId));
  const turnIds = new Set(messages.map((m) => m.turnId));
  const atItem = new Map<string, ServerRequest[]>();
  const atTurnEnd = new Map<string, ServerRequest[]>();
  const loose: ServerRequest[] = [];
  const add = (map: Map<string, ServerRequest[]>, key: string, request: ServerRequest) => map.set(key, [...(map.get(key) ?? []), request]);
  for (const request of requests) {
    if (request.itemId !== undefined && itemIds.has(request.itemId)) add(atItem, request.itemId, request);
    else if (request.turnId !== undefined && turnIds.has(request.turnId)) add(atTurnEnd, request.turnId, request);
    else if (request.status === "pending") loose.push(request);
  }
  return { atItem, atTurnEnd, loose };
}
