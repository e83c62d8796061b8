import type { Command } from 'commander';

/**
 * `ethos serve` and `ethos migrate`: the two verbs that run the server side.
 * @remarks The server modules are imported inside the actions, so the API verbs start without
 * loading database drivers.
 */
export function registerServerCommands(program: Command): void {
  program
    .command('serve')
    .description('run the Ethos server (settings from ETHOS_* variables)')
    .action(async () => {
      const { readSettings } = await import('../server/settings.ts');
      const { startServer } = await import('../server/main.ts');
      const { app, stop } = await startServer(readSettings());
      const shutdown = (signal: string) => {
        app.log.info({ signal }, 'shutting down');
        stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });
  program
    .command('migrate')
    .description('bring the database schema up to date and exit')
    .action(async () => {
      const { readSettings } = await import('../server/settings.ts');
      const { openDatabase } = await import('../server/platform/db.ts');
      const { migrateToLatest } = await import('../server/platform/migrations/index.ts');
      const settings = readSettings();
      const db = openDatabase(settings.databaseUrl);
      const applied = await migrateToLatest(db);
      await db.close();
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the schema is up to date\n');
    });
}
