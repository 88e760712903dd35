/**
 * Secrets this bridge process holds (the Convex auth token, a device secret),
 * remembered so that nothing the bridge starts can see them: codex's
 * environment is built without any variable whose value contains one (see
 * `codex/codexEnv.ts`). Whatever receives a secret (a CLI flag, the transport's
 * `authToken` / `setAuth`) calls {@link rememberSecret}.
 */

/** Secrets shorter than this are matched only as a whole variable value, never as a substring. */
export const MIN_SUBSTRING_SECRET_CHARS = 8;

const secrets = new Set<string>();

/**
 * Remembers `value` as a secret of this process for the rest of its life.
 * Empty or whitespace-only values are ignored.
 */
export function rememberSecret(value: string | undefined | null): void {
  if (typeof value !== "string" || value.trim() === "") return;
  secrets.add(value);
}

/** @returns Every secret remembered so far, in the order first given. */
export function rememberedSecrets(): string[] {
  return [...secrets];
}

/**
 * Whether `value` holds `secret`: equal to it, or, for secrets of at least
 * {@link MIN_SUBSTRING_SECRET_CHARS} characters, containing it (e.g.
 * `"Bearer <token>"`).
 */
export function containsSecret(value: string, secret: string): boolean {
  if (secret === "") return false;
  if (value === secret) return true;
  return secret.length >= MIN_SUBSTRING_SECRET_CHARS && value.includes(secret);
}

/**
 * Replaces this process's visible command line (`ps`, `/proc/<pid>/cmdline`)
 * with `title`, so a secret given as a flag (`--auth-token`) cannot be read
 * there by the commands codex runs. `process.argv` is unchanged. On Linux the
 * whole original command line is overwritten; elsewhere it is best effort.
 *
 * @param title - What `ps` shows instead, e.g. `"codex-convex run"`; no secrets.
 */
export function hideCommandLine(title: string): void {
  try {
    process.title = title;
  } catch {
    // Not supported here; the README tells to prefer the environment variable.
  }
}
