/**
 * Reads a Dockerfile into its instructions, for the tests that check the images without building
 * them (no Docker engine runs where the tests run): continuation lines joined, comments dropped,
 * each instruction with the build stage it belongs to, exec-form (JSON) arguments parsed, and
 * `${ARG}` in FROM lines resolved from the ARG defaults declared before the first FROM.
 */

/** One instruction (`RUN`, `COPY` …) of a Dockerfile. */
export interface DockerInstruction {
  readonly keyword: string;
  /** Everything after the keyword, as written. */
  readonly text: string;
  /** The JSON array of the exec form (`CMD ["a", "b"]`), else undefined. */
  readonly exec?: readonly string[];
  /** The stage's name (`AS name`), or its index, for instructions after a FROM. */
  readonly stage?: string;
  readonly line: number;
}

/** A FROM line: the image (ARGs resolved) and the stage name. */
export interface DockerStage {
  readonly image: string;
  readonly name: string;
  readonly line: number;
}

/** A parsed Dockerfile. */
export interface Dockerfile {
  readonly instructions: readonly DockerInstruction[];
  readonly stages: readonly DockerStage[];
  /** The ARG defaults declared before the first FROM. */
  readonly globalArgs: Readonly<Record<string, string>>;
}

/** Parses the text of a Dockerfile. */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: DockerInstruction[] = [];
  const stages: DockerStage[] = [];
  const globalArgs: Record<string, string> = {};
  const lines = text.split('\n');
  let stage: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let logical = lines[i]!;
    if (/^\s*(#|$)/.test(logical)) continue;
    // A backslash at the end continues the instruction; comment lines inside it are dropped.
    while (/\\\s*$/.test(logical) && i + 1 < lines.length) {
      i++;
      if (/^\s*#/.test(lines[i]!)) continue;
      logical = logical.replace(/\\\s*$/, ' ') + lines[i]!;
    }
    const match = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(logical);
    if (match === null) throw new Error(`line ${start + 1}: not an instruction: ${logical}`);
    const keyword = match[1]!.toUpperCase();
    const rest = match[2]!.trim();
    if (keyword === 'ARG' && stages.length === 0) {
      const [name, value] = rest.split('=', 2);
      if (value !== undefined) globalArgs[name!] = value;
    }
    if (keyword === 'FROM') {
      const [image, as, name] = rest.split(/\s+/);
      stage = as?.toUpperCase() === 'AS' && name !== undefined ? name : String(stages.length);
      stages.push({ image: image!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => globalArgs[(a ?? b)!] ?? `\${${a ?? b}}`), name: stage, line: start + 1 });
    }
    instructions.push({ keyword, text: rest, ...(execForm(rest) && { exec: execForm(rest) }), ...(stage !== undefined && { stage }), line: start + 1 });
  }
  return { instructions, stages, globalArgs };
}

/** The JSON array of an exec-form argument (after `CMD` options such as `HEALTHCHECK --interval=… CMD`). */
function execForm(rest: string): string[] | undefined {
  const json = rest.replace(/^(--\S+\s+)*(CMD\s+)?/, '');
  if (!json.startsWith('[')) return undefined;
  const value = JSON.parse(json) as unknown;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`not an exec form: ${rest}`);
  return value as string[];
}
