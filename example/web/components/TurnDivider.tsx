import type { Turn } from "./types.js";

/** A turn boundary: its status, duration, token usage, plan and error. */
export function TurnDivider({ turn }: { turn: Turn | undefined }) {
  if (!turn) return <hr className="turn" />;
  const tokens = turn.tokenUsage?.last.totalTokens;
  return (
    <div className="turn" data-turn-status={turn.status}>
      <span>Turn {turn.order + 1}</span>
      <span className={`badge ${turn.status}`}>{turn.status === "inProgress" ? "running" : turn.status}</span>
      {turn.durationMs !== undefined ? <span>{(turn.durationMs / 1000).toFixed(1)} s</span> : null}
      {tokens !== undefined ? <span>{tokens.toLocaleString()} tokens</span> : null}
      {turn.error ? <p className="error-text" role="alert">{turn.error}</p> : null}
      {turn.plan ? (
        <details className="plan" open>
          <summary>Plan{turn.plan.explanation ? `: ${turn.plan.explanation}` : ""}</summary>
          <ol>
            {turn.plan.steps.map((step, i) => (
              <li key={i} className={`step ${step.status}`}>{step.step} <span className="muted">({step.status})</span></li>
            ))}
          </ol>
        </details>
      ) : null}
    </div>
  );
}
