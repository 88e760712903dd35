/** The SQLite outbox: store-first lines, per-session seqs, acknowledgements, status. */
export { DEFAULT_MAX_PENDING_BYTES, Outbox, SCHEMA_VERSION } from "./outbox.js";
export type {
  AppendItem,
  AppendOptions,
  OutboxOptions,
  OutboxSynchronous,
  PendingOptions,
  SessionLifecycle,
  SessionMeta,
  SessionRecord,
  SessionStats,
} from "./outbox.js";
export { outboxStatus } from "./outboxStatus.js";
export type { OutboxStatus, SessionStatus } from "./outboxStatus.js";
