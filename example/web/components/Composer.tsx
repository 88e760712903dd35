import { useState } from "react";
import { codex } from "../api.js";
import { useInterrupt, useSendMessage, type UsePendingSendsResult } from "../../../src/react/index.js";
import { messageOf } from "./ApprovalCard.js";

/**
 * The message box: Enter sends (Shift+Enter for a new line). While a turn
 * runs the message steers it, and a Stop button interrupts it. Sends go
 * through `track`, so the thread view shows them until codex echoes them.
 */
export function Composer({ threadId, running, track }: { threadId: string; running: boolean; track: UsePendingSendsResult["track"] }) {
  // No optimistic update here: the thread view shows pending sends (usePendingSends) until codex echoes them.
  const send = useSendMessage(codex.sendMessage);
  const interrupt = useInterrupt(codex.interruptTurn);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = () => {
    const trimmed = text.trim();
    if (!trimmed) return;
    setText("");
    setError(null);
    track(trimmed, (idempotencyKey) => send({ threadId, text: trimmed, idempotencyKey })).catch((e: unknown) => {
      setText(trimmed);
      setError(messageOf(e));
    });
  };
  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <textarea
        aria-label="Message to codex"
        placeholder={running ? "Steer the running turn…" : "Ask codex to do something…"}
        value={text}
        rows={2}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <div className="actions">
        {running ? (
          <button type="button" className="secondary" onClick={() => void interrupt(threadId).catch((e: unknown) => setError(messageOf(e)))}>
            Stop
          </button>
        ) : null}
        <button type="submit" className="primary" disabled={!text.trim()}>
          {running ? "Steer" : "Send"}
        </button>
      </div>
      {error ? <p className="error-text" role="alert">{error}</p> : null}
    </form>
  );
}
