// The shop service's entry point: `npx tsx main.ts` (see README.md).
import { main } from './service.ts';

main().catch((err: unknown) => {
  process.stderr.write(`shop service: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
