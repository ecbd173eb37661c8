/** A CLI command: gets its arguments, writes to stdout/stderr, returns the exit code. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}
