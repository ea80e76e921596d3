/**
 * Command-line scanning with glibc `getopt_long` semantics, which net-tools
 * `netstat` relies on: grouped short flags, arguments permuted (options may
 * follow non-options, which are set aside), `--` ends options, long options
 * by unique abbreviation, `--name=value`, and glibc's exact error texts.
 *
 * The scanner yields options one at a time, in command-line order, because
 * netstat acts on each as it comes (`-V` exits before a later bad option is
 * seen).
 */

export type ArgMode = 'none' | 'required';

export interface LongOption {
  name: string;
  arg: ArgMode;
  /**
   * What the option reports. Options reporting the same value (and arg mode)
   * are interchangeable, so a prefix matching several of them is not
   * ambiguous (glibc compares has_arg, flag and val).
   */
  value: string;
}

/** One scanned item. */
export type GetoptItem =
  | { kind: 'option'; value: string; argument?: string; longIndex?: number; extension?: true }
  | { kind: 'error'; message: string };

export interface GetoptConfig {
  /** Short options in getopt's notation: a letter, followed by `:` if it takes an argument. */
  shortOptions: string;
  longOptions: readonly LongOption[];
  /** argv[0] as it should appear in error messages. */
  programName: string;
  /** Stop at the first non-option (POSIXLY_CORRECT). */
  posixlyCorrect: boolean;
  /**
   * This project's extension options (`--json`, …). They are recognised only
   * when spelled in full, before the net-tools table is consulted, and take
   * no part in abbreviations or ambiguity messages: every net-tools argument
   * list parses exactly as it does under net-tools.
   */
  extensionOptions?: readonly LongOption[];
}

/**
 * Scan `args` (argv without the program). Errors are yielded as items with
 * glibc's message (without the trailing newline); scanning continues after
 * them, as getopt does, but netstat stops at the first.
 */
export function* getoptLong(args: readonly string[], config: GetoptConfig): Generator<GetoptItem> {
  const prog = config.programName;
  let i = 0;
  while (i < args.length) {
    const arg = args[i] as string;
    if (arg === '--') return; // the rest are non-options
    if (arg.length < 2 || arg[0] !== '-') {
      // A non-option: netstat ignores them; under POSIXLY_CORRECT they end the options.
      if (config.posixlyCorrect) return;
      i++;
      continue;
    }
    i++;
    if (arg.startsWith('--')) {
      const extension = matchExtension(arg.slice(2), config.extensionOptions ?? []);
      if (extension !== undefined) {
        let argument = extension.argument;
        if (extension.option.arg === 'required' && argument === undefined) {
          if (i >= args.length) {
            yield { kind: 'error', message: `${prog}: option '--${extension.option.name}' requires an argument` };
            continue;
          }
          argument = args[i++] as string;
        }
        yield argument === undefined
          ? { kind: 'option', value: extension.option.value, extension: true }
          : { kind: 'option', value: extension.option.value, argument, extension: true };
        continue;
      }
      const result = matchLong(arg.slice(2), config.longOptions, prog);
      if (result.kind === 'error') {
        yield result;
        continue;
      }
      const option = config.longOptions[result.index] as LongOption;
      let argument = result.inlineArgument;
      if (option.arg === 'none' && argument !== undefined) {
        yield { kind: 'error', message: `${prog}: option '--${option.name}' doesn't allow an argument` };
        continue;
      }
      if (option.arg === 'required' && argument === undefined) {
        if (i >= args.length) {
          yield { kind: 'error', message: `${prog}: option '--${option.name}' requires an argument` };
          continue;
        }
        argument = args[i++] as string;
      }
      yield argument === undefined
        ? { kind: 'option', value: option.value, longIndex: result.index }
        : { kind: 'option', value: option.value, argument, longIndex: result.index };
      continue;
    }
    // A cluster of short options.
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j] as string;
      const at = letter === ':' ? -1 : config.shortOptions.indexOf(letter);
      if (at < 0) {
        yield { kind: 'error', message: `${prog}: invalid option -- '${letter}'` };
        continue;
      }
      if (config.shortOptions[at + 1] !== ':') {
        yield { kind: 'option', value: letter };
        continue;
      }
      // Takes an argument: the rest of this word, or the next word.
      if (j + 1 < arg.length) {
        yield { kind: 'option', value: letter, argument: arg.slice(j + 1) };
      } else if (i < args.length) {
        yield { kind: 'option', value: letter, argument: args[i++] as string };
      } else {
        yield { kind: 'error', message: `${prog}: option requires an argument -- '${letter}'` };
      }
      break;
    }
  }
}

/** An extension option spelled in full (`name` or `name=value`), or undefined. */
function matchExtension(text: string, options: readonly LongOption[]): { option: LongOption; argument?: string } | undefined {
  const eq = text.indexOf('=');
  const name = eq >= 0 ? text.slice(0, eq) : text;
  const option = options.find((o) => o.name === name);
  // `--json=x` is not an extension: net-tools' own message stands for it.
  if (option === undefined || (option.arg === 'none' && eq >= 0)) return undefined;
  return eq >= 0 ? { option, argument: text.slice(eq + 1) } : { option };
}

type LongMatch = { kind: 'match'; index: number; inlineArgument?: string } | { kind: 'error'; message: string };

/** Find the long option named (or abbreviated) by `text` (`name` or `name=value`). */
function matchLong(text: string, options: readonly LongOption[], prog: string): LongMatch {
  const eq = text.indexOf('=');
  const name = eq >= 0 ? text.slice(0, eq) : text;
  const withArgument = (index: number): LongMatch =>
    eq >= 0 ? { kind: 'match', index, inlineArgument: text.slice(eq + 1) } : { kind: 'match', index };

  const exact = options.findIndex((o) => o.name === name);
  if (exact >= 0) return withArgument(exact);

  // Abbreviation: the first prefix match is the candidate; a later match that
  // behaves differently makes the abbreviation ambiguous.
  let found = -1;
  const ambiguous: number[] = [];
  options.forEach((option, index) => {
    if (!option.name.startsWith(name)) return;
    if (found < 0) {
      found = index;
      return;
    }
    const first = options[found] as LongOption;
    if (first.arg !== option.arg || first.value !== option.value) ambiguous.push(index);
  });
  if (found < 0) return { kind: 'error', message: `${prog}: unrecognized option '--${text}'` };
  if (ambiguous.length > 0) {
    const names = [found, ...ambiguous].map((k) => ` '--${(options[k] as LongOption).name}'`).join('');
    return { kind: 'error', message: `${prog}: option '--${text}' is ambiguous; possibilities:${names}` };
  }
  return withArgument(found);
}
