import { Command, CommanderError } from 'commander';
import { acquireCommand } from './commands/acquireCommand';
import { coldstartCommand } from './commands/coldstartCommand';
import { demoCommand } from './commands/demoCommand';
import { engineDemoCommand } from './commands/engineDemoCommand';
import { doctorCommand } from './commands/doctorCommand';
import { embedCommand } from './commands/embedCommand';
import { evaluateCommand } from './commands/evaluateCommand';
import { predictCommand } from './commands/predictCommand';
import { reproduceCommand } from './commands/reproduceCommand';
import { trainCommand } from './commands/trainCommand';
import { trainEncoderCommand } from './commands/trainEncoderCommand';
import { serveCommand } from './commands/serveCommand';
import { workerCommand } from './commands/workerCommand';
import { migrateCommand } from './commands/migrateCommand';
import { packageVersion } from './version';
import { EXIT_BAD_INPUT, EXIT_FAILURE, isBadInput, oneLine } from './errors';

/** Builds the `scanselect` program. */
export function buildProgram(): Command {
  const program = new Command('scanselect')
    .description('ScanSelect: choose which scans to label next (embedding-based cold start, entropy + diversity active learning).')
    .version(packageVersion())
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(coldstartCommand())
    .addCommand(acquireCommand())
    .addCommand(demoCommand())
    .addCommand(engineDemoCommand())
    .addCommand(doctorCommand())
    .addCommand(embedCommand())
    .addCommand(trainCommand())
    .addCommand(trainEncoderCommand())
    .addCommand(predictCommand())
    .addCommand(evaluateCommand())
    .addCommand(reproduceCommand())
    .addCommand(serveCommand())
    .addCommand(workerCommand())
    .addCommand(migrateCommand());
  // Usage errors exit 2 (like bad input) instead of commander's default 1.
  const exitOverride = (cmd: Command): void => {
    cmd.exitOverride((err) => {
      throw err;
    });
    cmd.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

/**
 * The first word when it names no command (commander would take `nope --help` as the top-level
 * `--help` and exit 0); `help` and options are left to commander.
 */
export function unknownCommand(program: Command, args: readonly string[]): string | null {
  const first = args[0];
  if (first === undefined || first.startsWith('-') || first === 'help') return null;
  const known = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  return known.includes(first) ? null : first;
}

/** Runs the CLI (`argv` as `process.argv`: node, script, arguments); resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  const unknown = unknownCommand(program, argv.slice(2));
  if (unknown !== null) {
    process.stderr.write(`scanselect: unknown command '${unknown.slice(0, 100)}' (commands: ${program.commands.map((c) => c.name()).join(', ')})\n`);
    return EXIT_BAD_INPUT;
  }
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors were already printed.
      return error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    }
    process.stderr.write(`scanselect: ${oneLine(error)}\n`);
    return isBadInput(error) ? EXIT_BAD_INPUT : EXIT_FAILURE;
  }
}
