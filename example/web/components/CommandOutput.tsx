import stripAnsi from "strip-ansi";
import { useState } from "react";
import { useMessageText, type UIMessage } from "../../../src/react/index.js";
import { codex } from "../api.js";

/**
 * A command's output, ANSI colour codes stripped: its head as the page
 * carries it, and a button that loads the whole text (`useMessageText`) when
 * the page carries only the head (`textComplete` false).
 */
export function CommandOutput({ threadId, message }: { threadId: string; message: UIMessage }) {
  const [whole, setWhole] = useState(false);
  const full = useMessageText(
    codex.getMessageText,
    whole ? { threadId, itemId: message.itemId, turnId: message.turnId, textLength: message.textLength } : "skip",
  );
  const live = message.streams.map((s) => s.text).join("");
  const text = full.text ?? (message.text || live);
  return (
    <>
      {text ? <pre className="output">{stripAnsi(text)}</pre> : <p className="muted">No output yet.</p>}
      {!message.textComplete && full.text === undefined ? (
        <button type="button" className="link" onClick={() => setWhole(true)} disabled={full.isLoading}>
          {full.isLoading ? "Loading the whole output…" : `Show all ${message.textLength?.toLocaleString() ?? ""} characters`}
        </button>
      ) : null}
    </>
  );
}
