import { UsageError } from '../../errors/usage-error.js';

export { UsageError };

/** Tiny argument reader shared by the CLI commands: `--name value`, `--flag`, positionals. */
export class Args {
  private readonly used = new Set<number>();

  constructor(private readonly argv: string[]) {}

  flag(name: string): boolean {
    const index = this.argv.indexOf(name);
    if (index === -1) return false;
    this.used.add(index);
    return true;
  }

  value(name: string): string | undefined {
    const index = this.argv.indexOf(name);
    if (index === -1) return undefined;
    const value = this.argv[index + 1];
    if (value === undefined || (value.startsWith('--') && value.length > 2)) throw new UsageError(`${name} needs a value`);
    this.used.add(index).add(index + 1);
    return value;
  }

  integer(name: string, fallback: number, min = 0): number {
    const raw = this.value(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new UsageError(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
    return value;
  }

  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.value(name);
    if (raw === undefined) return fallback;
    if (!choices.includes(raw as T)) throw new UsageError(`${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`);
    return raw as T;
  }

  /** Arguments not consumed as options; call after reading every option. */
  positionals(): string[] {
    const out: string[] = [];
    this.argv.forEach((arg, index) => {
      if (this.used.has(index)) return;
      if (arg.startsWith('--') && arg.length > 2) throw new UsageError(`unknown option ${arg}`);
      out.push(arg);
    });
    return out;
  }
}

/** Write to stdout, waiting when the pipe is full (large outputs must not buffer in memory). */
export function writeOut(stream: NodeJS.WritableStream, text: string): Promise<void> | undefined {
  if (stream.write(text)) return undefined;
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      stream.off('error', onError);
      resolve();
    };
    const onError = (error: unknown) => {
      stream.off('drain', onDrain);
      reject(error);
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}
