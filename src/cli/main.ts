import { Command } from 'commander';
import { registerServerCommands } from './serve.command.ts';

/** The `ethos` command line. Every verb but serve/migrate talks to the HTTP API. */
const program = new Command('ethos').description('Ethos: developer-empowered operations').version('0.1.0');
registerServerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`ethos: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
