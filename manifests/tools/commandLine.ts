/**
 * Checks a `scanselect` command line written in a deployment file (a Dockerfile CMD, a Compose
 * `command`, a container's `args`) against the CLI's own commander program: the command exists,
 * every option is one of its options with a value where it takes one (passed through the option's
 * own parser and choices), and its required options are there. Commander is not driven to run
 * anything: only its definitions are read.
 */

/** The parts of a commander `Option` read here. */
interface OptionDefinition {
  readonly long?: string;
  readonly short?: string;
  /** Takes a value (`--port <n>`). */
  readonly required: boolean;
  /** Takes an optional value (`--x [v]`). */
  readonly optional: boolean;
  /** A `requiredOption`. */
  readonly mandatory: boolean;
  readonly argChoices?: readonly string[];
  readonly parseArg?: (value: string, previous: unknown) => unknown;
}

/** The parts of a commander `Command` read here. */
export interface CommandDefinition {
  name(): string;
  readonly options: readonly OptionDefinition[];
  readonly commands: readonly CommandDefinition[];
  readonly registeredArguments?: readonly unknown[];
}

/** Kubernetes expands `$(VAR)` from the container's environment; Compose `${VAR}` is resolved before. */
const ENV_REFERENCE = /^\$\([A-Za-z_][A-Za-z0-9_]*\)$/;

/** Problems of `args` (command name first) as a command line of `program`; empty when it is valid. */
export function commandLineProblems(program: CommandDefinition, args: readonly string[]): string[] {
  const [name, ...rest] = args;
  const command = program.commands.find((c) => c.name() === name);
  if (command === undefined) return [`"${name ?? ''}" is not a scanselect command (commands: ${program.commands.map((c) => c.name()).join(', ')})`];
  const problems: string[] = [];
  const given = new Set<OptionDefinition>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (!arg.startsWith('-')) {
      if ((command.registeredArguments?.length ?? 0) === 0) problems.push(`${name}: unexpected argument "${arg}"`);
      continue;
    }
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const option = command.options.find((o) => o.long === flag || o.short === flag);
    if (option === undefined) {
      problems.push(`${name}: unknown option ${flag}`);
      continue;
    }
    given.add(option);
    if (!option.required && !option.optional) {
      if (inline !== undefined) problems.push(`${name}: ${flag} takes no value`);
      continue;
    }
    const value = inline ?? (option.required ? rest[++i] : undefined);
    if (value === undefined) {
      if (option.required) problems.push(`${name}: ${flag} needs a value`);
      continue;
    }
    if (ENV_REFERENCE.test(value)) continue;
    if (option.argChoices !== undefined && !option.argChoices.includes(value)) problems.push(`${name}: ${flag} ${value}: not one of ${option.argChoices.join(', ')}`);
    try {
      option.parseArg?.(value, undefined);
    } catch (error) {
      problems.push(`${name}: ${flag} ${value}: ${(error as Error).message}`);
    }
  }
  for (const option of command.options.filter((o) => o.mandatory && !given.has(o))) problems.push(`${name}: ${option.long} is required`);
  return problems;
}
