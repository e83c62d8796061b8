import { Command } from 'commander';
import { registerAlertingCommands } from './alerting.command.ts';
import { registerApplyCommands } from './apply.command.ts';
import { registerBackstageCommand } from './backstage.command.ts';
import { registerChangeRequestCommands } from './cr.command.ts';
import { registerDemoCommand } from './demo.command.ts';
import { registerIncidentCommands } from './incident.command.ts';
import { registerLoginCommand } from './login.command.ts';
import { registerOnCallCommand } from './oncall.command.ts';
import { registerPostmortemCommands } from './postmortem.command.ts';
import { CliError } from './output.ts';
import { registerQuotaCommands } from './quotas.command.ts';
import { registerResourceCommands } from './resource.command.ts';
import { registerServerCommands } from './serve.command.ts';
import { registerSloCommands } from './slo.command.ts';
import { registerSurveyCommands } from './survey.command.ts';
import { registerTelemetryCommands } from './telemetry.command.ts';
import { registerTokenCommands } from './token.command.ts';
import { registerUserCommands } from './user.command.ts';

/** The `ethos` command line. Every verb but serve/migrate talks to the HTTP API. */
const program = new Command('ethos')
  .description('Ethos: developer-empowered operations')
  .version('0.1.0')
  .showHelpAfterError('(add --help for usage)')
  .addHelpText('after', '\nServer and token: ETHOS_URL and ETHOS_TOKEN, else the file "ethos login" writes (ETHOS_CONFIG overrides its path).');
registerServerCommands(program);
registerDemoCommand(program);
registerLoginCommand(program);
registerApplyCommands(program);
registerResourceCommands(program);
registerChangeRequestCommands(program);
registerTokenCommands(program);
registerUserCommands(program);
registerBackstageCommand(program);
registerTelemetryCommands(program);
registerQuotaCommands(program);
registerAlertingCommands(program);
registerIncidentCommands(program);
registerOnCallCommand(program);
registerPostmortemCommands(program);
registerSloCommands(program);
registerSurveyCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`ethos: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
});
