import { useQuery } from "convex/react";
import { useState } from "react";
import { codex } from "../api.js";
import { turnDiffFiles } from "./diff.js";
import { DiffView } from "./DiffView.js";
import type { Turn } from "./types.js";

/**
 * What a turn changed on disk: codex's whole diff of the turn
 * (`turn/diff/updated`), file by file; nothing for a turn without one. A turn row carries the head of a long
 * diff (`diffParts` set); "Show all" loads the whole one (`getTurnDiff`).
 */
export function TurnChanges({ turn }: { turn: Turn | undefined }) {
  const [wanted, setWanted] = useState(false);
  const partial = turn?.diffParts !== undefined;
  const whole = useQuery(codex.getTurnDiff, turn && partial && wanted ? { threadId: turn.threadId, turnId: turn.turnId } : "skip");
  if (turn?.diff === undefined) return null;
  const text = whole ?? turn.diff;
  const more =
    partial && typeof whole !== "string"
      ? { label: `Show all ${(turn.diffLength ?? text.length).toLocaleString()} characters`, busy: wanted, load: () => setWanted(true) }
      : undefined;
  return (
    <details className="turn-changes" open>
      <summary>Changes</summary>
      <section aria-label={`Changes in turn ${turn.order + 1}`}>
        <DiffView files={turnDiffFiles(text, more !== undefined)} more={more} />
      </section>
    </details>
  );
}
