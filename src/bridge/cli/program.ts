/** The `codex-convex` program: its commands, options and help texts. */
import { Command, Option } from "commander";
import { CODEX_PROCESS_MODES, DEFAULT_CODEX_PROCESS_MODE } from "../codex/codexLease.js";
import { bridgeCommand } from "./bridgeCommand.js";
import { doctorCommand } from "./doctorCommand.js";
import { addGlobalOptions, addOutboxOptions, addWorkOptions, apiOption, positiveInt } from "./options.js";
import { pairCommand } from "./pairCommand.js";
import { unattendedPolicy } from "./serveMode.js";
import { runCommand } from "./runCommand.js";
import { statusCommand } from "./statusCommand.js";
import { configureUsageErrors } from "./usage.js";
import { packageVersion } from "./version.js";

/** The CLI program, for `--help` and tests. */
export function buildProgram(): Command {
  const program = addGlobalOptions(
    new Command()
      .name("codex-convex")
      .description(
        "Run OpenAI Codex on this machine and keep every event in a Convex deployment.\n" +
          "Every line codex prints is stored in a local SQLite outbox first, then pushed.",
      )
      .version(packageVersion(), "-V, --version", "print the codex-convex version"),
  );

  addWorkOptions(
    program
      .command("run")
      .description("Start codex app-server, run one turn with <prompt>, push it to Convex, print a summary")
      .argument("<prompt>", "the user message of the turn"),
  ).action(async (prompt: string, _options, command: Command) => {
    await runCommand(prompt, command.optsWithGlobals());
  });

  addWorkOptions(
    program
      .command("bridge")
      .description(
        "Run many threads at once, each in its own outbox session, on one shared codex app-server (or one per thread: --codex-process per-job);\n" +
          "push everything to Convex.\n" +
          "On start, pushes what an earlier bridge left in the outbox and continues its jobs (by id).",
      )
      .option("--prompt <text>", "a turn of the --prompt job (repeat for more turns, run in order)", collect, [])
      .option("--job-id <id>", "id of the --prompt job, to continue it after a restart (default: a new id)")
      .option("--jobs <file>", 'JSON Lines of jobs {"id","prompts":[...],"cwd"?}; "-" reads stdin as lines arrive')
      .option("--max-threads <n>", "threads run at once, jobs and browser threads together (default 4)", positiveInt)
      .addOption(
        new Option(
          "--codex-process <mode>",
          "per-job: one codex app-server per job or browser thread (a crash touches one thread); " +
            "shared: one codex app-server for all of them (about a third of the memory, less CPU; a crash cuts off every running turn, " +
            "which are recorded failed and their threads resumed on the restarted codex)",
        )
          .choices([...CODEX_PROCESS_MODES])
          .env("CODEX_CONVEX_CODEX_PROCESS")
          .default(DEFAULT_CODEX_PROCESS_MODE),
      )
      .option("--keep-alive", "keep running after the jobs are done, until SIGINT/SIGTERM", false)
      .option("--serve", "also run commands queued from the browser for this paired device (start, send, steer, interrupt, answer, …); implies --keep-alive", false)
      .option("--workspace <dir>", "with --serve: a directory browsers may start threads in (repeat; default --cwd)", collect, [])
      .option("--approval-timeout <ms>", "with --serve: how long a server request waits for the browser before --unattended answers it (default: forever)", positiveInt)
      .addOption(
        new Option("--unattended <policy>", "answer to server requests nobody answered: decline, or accept-for-session (default decline; at once without --serve)").argParser(
          unattendedPolicy,
        ),
      ),
  ).action(async (_options, command: Command) => {
    await bridgeCommand(command.optsWithGlobals());
  });

  program
    .command("pair")
    .description(
      "Pair this machine with a deployment: redeem a code created in the app (valid 10 minutes, single use) for a device secret,\n" +
        "stored in $XDG_CONFIG_HOME/codex-convex/devices.json (mode 0600, one entry per deployment URL); never printed",
    )
    .argument("<code>", "the pairing code shown in the app (XXXX-XXXX)")
    .addOption(new Option("--convex-url <url>", "the Convex deployment URL").env("CONVEX_URL"))
    .option("--name <name>", "a name for this device (default: the host name)")
    .option("--json", "print the result as one JSON object", false)
    .action(async (code: string, _options, command: Command) => {
      await pairCommand(code, command.optsWithGlobals());
    });

  addOutboxOptions(program.command("status").description("Show the outbox: per session what Convex has not acknowledged, the last push, errors"), false)
    .option("--json", "print the status as one JSON object", false)
    .action((_options, command: Command) => {
      statusCommand(command.optsWithGlobals());
    });

  addOutboxOptions(
    program
      .command("doctor")
      .description("Check the codex binary and login, the working directory, the Convex deployment, token and paired device, the outbox file and disk space"),
    false,
  )
    .addOption(new Option("--convex-url <url>", "the Convex deployment URL").env("CONVEX_URL"))
    .addOption(new Option("--auth-token <jwt>", "the JWT the bridge would send").env("CODEX_CONVEX_AUTH_TOKEN"))
    .addOption(apiOption())
    .option("--codex-bin <path>", "the native codex binary (else CODEX_BIN, @openai/codex, PATH)")
    .option("--json", "print the checks as one JSON object", false)
    .action(async (_options, command: Command) => {
      await doctorCommand(command.optsWithGlobals());
    });

  return configureUsageErrors(program);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
