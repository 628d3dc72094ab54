/**
 * `dhcp-agent drift [--dir D] [--repair]`: portable mode's sync_state. Reads the stack's state
 * (`terraform show -json`), runs every carrier's handler `read` on its node, prints what
 * drifted and exits 2 when anything did; `--repair` replaces the drifted carriers and only
 * them (`terraform apply -replace=… -target=…`), whose create provisioners converge the node
 * again; other pending changes of the configuration are left for the user's own apply.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { ObjectValue } from '../provider/cty';
import { CliError, EXIT_INVALID, withSshConnections } from './io';
import { parsePayload, runHandler } from './handler';

export const DRIFT_HELP = `Usage: dhcp-agent drift [--dir <terraform working directory>] [--repair]

For stacks in portable (provisioner) mode: reads the state (terraform show -json), asks every
node what it really has (the same read the provider does at plan time), prints the resources
that drifted and exits 2 when any did, 0 when none did, 1 on errors. With --repair it then runs
terraform apply -replace=<each drifted resource> -target=<the same>, which repairs what
drifted and nothing else (other changes to the configuration wait for your own apply), and
checks again.

  --dir     Terraform's working directory; for cdktf: cdktf.out/stacks/<stack> (default: .)
  --repair  replace the drifted resources (their create provisioners converge the node)

Uses the terraform on PATH, or $TERRAFORM_BIN.
`;

/** A carrier found in the state: its address, kind and handler payload. */
export interface Carrier {
  readonly address: string;
  readonly kind: 'node' | 'network' | 'port';
  readonly payload: ObjectValue;
}

interface StateResource {
  address: string;
  type: string;
  values?: { input?: Record<string, unknown>; triggers?: Record<string, unknown> };
}
interface StateModule {
  resources?: StateResource[];
  child_modules?: StateModule[];
}

/** The part of `terraform show -json` output read here. */
interface ShowJson {
  values?: { root_module?: StateModule };
}

/** The carriers (terraform_data / null_resource made by the constructs in provisioner mode) in `terraform show -json` output. */
export function carriersInState(show: ShowJson): Carrier[] {
  const out: Carrier[] = [];
  const visit = (m: StateModule | undefined) => {
    for (const r of m?.resources ?? []) {
      const fields = r.type === 'terraform_data' ? r.values?.input : r.type === 'null_resource' ? r.values?.triggers : undefined;
      const kind = fields?.dhcp_agent;
      if ((kind === 'node' || kind === 'network' || kind === 'port') && typeof fields?.payload === 'string') {
        out.push({ address: r.address, kind, payload: parsePayload(fields.payload, r.address) });
      }
    }
    for (const c of m?.child_modules ?? []) visit(c);
  };
  visit(show.values?.root_module);
  return out;
}

function terraform(dir: string, args: string[], inherit = false): { code: number; stdout: string; stderr: string } {
  const bin = process.env.TERRAFORM_BIN ?? 'terraform';
  const r = spawnSync(bin, args, { cwd: dir, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: inherit ? ['ignore', 'inherit', 'inherit'] : 'pipe' });
  if (r.error) throw new CliError(`drift: cannot run ${bin}: ${r.error.message}`, 1);
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Reads every carrier's node; returns the drifted ones with their drift in words. */
export async function detectDrift(carriers: readonly Carrier[], concurrency = 8): Promise<{ carrier: Carrier; drift: string[] }[]> {
  const drifted: { carrier: Carrier; drift: string[] }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < carriers.length) {
      const c = carriers[next++];
      const state = (await runHandler(c.kind, 'read', c.payload, {})) as { drift: string[] } | null;
      const drift = state === null ? [`the ${c.kind} is not on the node`] : state.drift;
      if (drift.length) drifted.push({ carrier: c, drift: [...drift] });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, carriers.length) }, worker));
  return drifted.sort((a, b) => a.carrier.address.localeCompare(b.carrier.address));
}

export async function driftCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { dir: { type: 'string', default: '.' }, repair: { type: 'boolean', default: false } } });
  const dir = values.dir;
  return withSshConnections(async () => {
    const check = async () => {
      const show = terraform(dir, ['show', '-json', '-no-color']);
      if (show.code !== 0) throw new CliError(`drift: terraform show -json in ${dir} failed:\n${show.stderr}`, 1);
      const carriers = carriersInState(JSON.parse(show.stdout || '{}') as ShowJson);
      if (carriers.length === 0) throw new CliError(`drift: no dhcp-agent resources in the state of ${dir} (deployed in provisioner mode?)`, EXIT_INVALID);
      return { carriers, drifted: await detectDrift(carriers) };
    };
    let { carriers, drifted } = await check();
    report(carriers.length, drifted);
    if (drifted.length === 0 || !values.repair) return drifted.length ? 2 : 0;
    const args = repairArgs(drifted.map((d) => d.carrier.address));
    process.stdout.write(`\nrepairing: terraform ${args.join(' ')}\n`);
    const apply = terraform(dir, args, true);
    if (apply.code !== 0) throw new CliError(`drift: terraform apply failed (exit ${apply.code})`, 1);
    ({ carriers, drifted } = await check());
    report(carriers.length, drifted);
    return drifted.length ? 2 : 0;
  });
}

/**
 * The repair: replace the drifted carriers and, through -target, touch nothing else (Terraform
 * adds what they depend on; a pending change there is applied too, as it must be first).
 */
export function repairArgs(addresses: readonly string[]): string[] {
  return ['apply', '-auto-approve', '-input=false', '-no-color', ...addresses.flatMap((a) => [`-replace=${a}`, `-target=${a}`])];
}

function report(total: number, drifted: { carrier: Carrier; drift: string[] }[]): void {
  for (const d of drifted) {
    const host = (d.carrier.payload.node as ObjectValue | undefined)?.host;
    process.stdout.write(`${d.carrier.address} (${d.carrier.kind} on ${typeof host === 'string' ? host : 'an unnamed host'}):\n${d.drift.map((l) => `  - ${l}`).join('\n')}\n`);
  }
  process.stdout.write(drifted.length ? `${drifted.length} of ${total} resources drifted\n` : `no drift: ${total} resources match the nodes\n`);
}
