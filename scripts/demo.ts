/**
 * `npm run demo`: brings up a local lab (a node in a network namespace running its own sshd),
 * deploys examples/quickstart to it with `cdktf deploy`, lets two "VMs" get their leases from
 * a real DHCP client, and checks with `cdktf diff` that nothing drifted. `npm run demo:down`
 * (this script with `down`) removes everything again.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { labDown, labUnavailableReason, labUp, loadLab } from '../src/lab';
import { cliConfigInUse } from '../src/cli/provider';
import { cdktfEnv } from './cdktf-env';

const LAB = 'demo';
const root = resolve(__dirname, '..');
const example = join(root, 'examples', 'quickstart');
const cdktf = join(root, 'node_modules', '.bin', 'cdktf');
const say = (text: string) => process.stdout.write(`\n==> ${text}\n`);

function runCdktf(args: string[], env: NodeJS.ProcessEnv): { code: number; output: string } {
  const r = spawnSync(cdktf, args, { cwd: example, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** The lines of cdktf's output worth showing (resource actions, plan summary, errors). */
function summary(output: string): string {
  return output
    .split('\n')
    // Terraform colours its output even under cdktf; drop the ANSI escapes.
    // eslint-disable-next-line no-control-regex
    .map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').trimEnd())
    .filter((l) => /Creat|Modif|Destr|Apply complete|Destroy complete|Plan:|No changes|Error|error|will be|must be/.test(l))
    .map((l) => `    ${l.replace(/^quickstart\s+/, '').trim()}`)
    .join('\n');
}

async function up(): Promise<number> {
  const why = labUnavailableReason();
  if (why) {
    process.stderr.write(`The demo needs a Linux machine where it may run as root: ${why}\n`);
    return 1;
  }
  if (!existsSync('/usr/local/bin/terraform') && spawnSync('terraform', ['version']).status !== 0) {
    process.stderr.write('The demo needs Terraform 1.x (not found at /usr/local/bin/terraform nor on PATH).\n');
    return 1;
  }
  const env = cdktfEnv(join(root, '.demo'), { DHCP_AGENT_LAB: LAB });
  const cli = cliConfigInUse(env);
  if (cli.hasProviderInstallation) {
    process.stderr.write(
      `Your Terraform CLI configuration (${cli.path}) has its own provider_installation block, so Terraform will not look in the stack's terraform.d/plugins. Run \`npx dhcp-agent provider install\` for the block to add, or run the demo with TF_CLI_CONFIG_FILE unset.\n`,
    );
    return 1;
  }

  say(`Bringing up lab "${LAB}": a node (network namespace with its own sshd, keys made just now) and a bridge for VMs.`);
  const lab = await labUp({ name: LAB });
  const node = lab.node(0);
  process.stdout.write(`    node n0 at ${node.address} (ssh ${node.user}@${node.address}, host key ${node.hostKeySha256})\n`);

  say('Deploying examples/quickstart with `cdktf deploy`: one DhcpAgentNode, one DhcpNetwork, two DhcpPorts.');
  let t = Date.now();
  const deploy = runCdktf(['deploy', '--auto-approve'], env);
  process.stdout.write(`${summary(deploy.output)}\n`);
  if (deploy.code !== 0) {
    process.stderr.write(`cdktf deploy failed (exit ${deploy.code}):\n${deploy.output}\n`);
    return 1;
  }
  process.stdout.write(`    deployed in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);

  for (const [name, mac] of [
    ['vm1', 'fa:16:3e:65:29:6d'],
    ['vm2', 'fa:16:3e:65:29:6e'],
  ]) {
    say(`A VM with ${name}'s MAC (${mac}) runs a DHCP client (udhcpc) on the lab bridge.`);
    t = Date.now();
    const vm = await lab.addVm({ node: 0, name, mac });
    const lease = await vm.dhcp({ timeoutMs: 10_000 });
    const extras = [lease.router && `router ${lease.router}`, lease.dns?.length && `dns ${lease.dns.join(', ')}`, lease.hostname && `hostname ${lease.hostname}.${lease.domain ?? ''}`, lease.raw.tftp && `tftp server ${lease.raw.tftp}`, lease.raw.bootfile && `boot file ${lease.raw.bootfile}`]
      .filter(Boolean)
      .join(', ');
    process.stdout.write(`    ${name} got ${lease.ip}/${lease.prefixLength} for ${lease.leaseSeconds} s in ${Date.now() - t} ms (${extras})\n`);
  }

  say('Checking for drift with `cdktf diff` (Terraform reads the node: namespace, devices, rules, files, dnsmasq).');
  const diff = runCdktf(['diff'], env);
  if (diff.code !== 0 || !/No changes/.test(diff.output)) {
    process.stderr.write(`cdktf diff did not report "No changes":\n${diff.output}\n`);
    return 1;
  }
  process.stdout.write('    No changes: the node matches the code.\n');
  say('Done. Try: kill the dnsmasq of the network and run `npx cdktf diff` in examples/quickstart (with DHCP_AGENT_LAB=demo). `npm run demo:down` removes everything.');
  return 0;
}

async function down(): Promise<number> {
  const env = cdktfEnv(join(root, '.demo'), { DHCP_AGENT_LAB: LAB });
  const state = join(example, 'terraform.quickstart.tfstate');
  const labUpNow = await loadLab(LAB).then(
    () => true,
    () => false,
  );
  if (labUpNow && existsSync(state)) {
    say('Destroying the quickstart stack with `cdktf destroy`.');
    const r = runCdktf(['destroy', '--auto-approve'], env);
    process.stdout.write(`${summary(r.output)}\n`);
    if (r.code !== 0) process.stdout.write('    cdktf destroy failed; removing the lab anyway (it deletes everything on the node).\n');
  }
  say(`Removing lab "${LAB}" (namespaces, devices, processes, files).`);
  await labDown(LAB);
  for (const p of [state, `${state}.backup`, join(example, 'cdktf.out'), join(root, '.demo')]) rmSync(p, { recursive: true, force: true });
  say('Everything the demo made is gone.');
  return 0;
}

(process.argv[2] === 'down' ? down() : up()).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
