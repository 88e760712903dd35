/** An item's status as a small coloured label. */
export function StatusBadge({ status, streaming }: { status: string; streaming?: boolean }) {
  const label = streaming ? "streaming" : status === "inProgress" ? "running" : status;
  return <span className={`badge ${status}`}>{label}</span>;
}
