/**
 * Entry point of the provider bundle (`dist/provider.cjs`), started by Terraform through the
 * launcher script. See `server.ts` for the process contract.
 */
import { definition } from './definition';
import { serve } from './server';

serve(definition).catch((err: unknown) => {
  process.stderr.write(`terraform-provider-${definition.typeName}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
