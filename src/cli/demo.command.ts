import { Option, type Command } from 'commander';
import { positiveInt } from './options.ts';

/**
 * `ethos demo`: runs Ethos with a demo organisation and instrumented services under synthetic
 * load, so that every telemetry page has live data.
 * @remarks Like `serve`, it loads the server (and the example's OpenTelemetry SDK) inside the
 * action, so the other verbs start without them.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run Ethos with a demo organisation and instrumented services under synthetic load (until Ctrl-C)')
    .option('--port <port>', 'HTTP port of Ethos', positiveInt, 4680)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--data-dir <dir>', 'keep the data in this directory (default: a temporary one, removed at the end)')
    .addOption(new Option('--rate <n>', 'shopper actions per second across the services').argParser(positiveInt).default(8))
    .option('--no-web-build', 'do not build the web UI first when it is missing or stale')
    .action(async (opts: { port: number; host: string; dataDir?: string; rate: number; webBuild: boolean }) => {
      // a computed specifier: the CLI bundle (scripts/build-cli.js) leaves it out, so the client
      // verbs never load the example's OpenTelemetry SDK; bin/ethos.js runs `demo` from the sources
      const runner = new URL('./demo.run.ts', import.meta.url).href;
      const { runDemo } = (await import(runner)) as typeof import('./demo.run.ts');
      await runDemo(opts);
    });
}
