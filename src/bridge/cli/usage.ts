/**
 * How the CLI answers a bad command line: the one line that is wrong, then a
 * pointer to `--help`, on stderr, and exit code {@link EXIT_USAGE}; never the
 * whole help (commander's `showHelpAfterError` is replaced by the pointer).
 */
import { CommanderError, type Command } from "commander";
import { EXIT_USAGE } from "./output.js";

/** Commander's codes for a help or version request: exit 0, not a usage error. */
const NOT_ERRORS = new Set(["commander.helpDisplayed", "commander.help", "commander.version"]);

/** The command's full name, e.g. `codex-convex run`. */
function fullName(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current; current = current.parent) names.unshift(current.name());
  return names.join(" ");
}

/**
 * Makes `command` and its subcommands report usage errors as one line
 * (`codex-convex run: unknown option '--jsn' (Did you mean --json?)`) plus
 * `Run 'codex-convex run --help' for its options.`, and throw a
 * `CommanderError` instead of exiting; {@link usageExitCode} maps it.
 */
export function configureUsageErrors(command: Command): Command {
  const name = fullName(command);
  command
    .configureOutput({ outputError: (text, write) => write(`${name}: ${text.replace(/^error: /, "").trim().replace(/\s*\n\s*/g, " ")}\n`) })
    .showHelpAfterError(`Run '${name} --help' for its options.`)
    .exitOverride((error) => {
      throw error;
    });
  for (const sub of command.commands) configureUsageErrors(sub);
  return command;
}

/**
 * The exit code for an error thrown by a program set up with
 * {@link configureUsageErrors}: 0 after `--help`/`--version`, {@link EXIT_USAGE}
 * for any other commander error, or null when `error` is not commander's.
 */
export function usageExitCode(error: unknown): number | null {
  if (!(error instanceof CommanderError)) return null;
  return NOT_ERRORS.has(error.code) && error.exitCode === 0 ? 0 : EXIT_USAGE;
}
