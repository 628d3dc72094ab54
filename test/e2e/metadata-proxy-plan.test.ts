/**
 * The metadata proxy through terraform (plain HCL): `metadata_backend_socket` on a
 * `dhcpagent_network` runs haproxy on the lab node; killing it shows as drift in `terraform
 * plan` (the provider's Read), `apply` repairs it, a bad URL is refused at plan naming the
 * attribute, and `destroy` leaves no haproxy.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sidecarPaths } from '../../src/agent/sidecar';
import { labDown, labUnavailableReason, labUp, type LabNode } from '../../src/lab';
import { processAlive, runCommand } from '../../src/lab/exec';
import { installProvider } from '../../src/provider/packaging';
import { readPid } from '../support/host-probe';
import { LAB_NODE_HCL, TfDir, terraformUnavailableReason } from '../support/terraform';

const LAB = 'mdptf';
const NET = 'a7100000-0000-4000-8000-000000000001';
const skip = labUnavailableReason() || terraformUnavailableReason() || (existsSync('/usr/sbin/haproxy') ? false : 'needs haproxy (Debian package haproxy)');

const MAIN_TF = `
${LAB_NODE_HCL}variable "backend_socket" { type = string }
variable "backend_url" {
  type    = string
  default = null
}

resource "dhcpagent_node" "n" {
  node                     = var.node
  monitor_interval_seconds = 3600
}

resource "dhcpagent_network" "net" {
  node                     = var.node
  network_id               = "${NET}"
  bridge                   = var.bridge
  enable_isolated_metadata = true
  metadata_backend_socket  = var.backend_url == null ? var.backend_socket : null
  metadata_backend_url     = var.backend_url
  subnets                  = [{ cidr = "172.16.0.0/24" }]
  depends_on               = [dhcpagent_node.n]
}
`;

let node: LabNode;
let tf: TfDir;
let work: string;
let server: Server | undefined;

describe('metadata proxy through terraform', { skip }, () => {
  const args = (...extra: string[]) => ['-no-color', '-input=false', '-var-file=lab.tfvars.json', ...extra];
  const proxyPid = () => readPid(sidecarPaths(`${node.statePath}/dhcp/${NET}`, 'metadata-proxy').pid);

  before(async () => {
    node = (await labUp({ name: LAB })).node(0);
    work = mkdtempSync(join(tmpdir(), 'dhcpagent-mdp-'));
    const socket = join(work, 'metadata.sock');
    server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server!.listen(socket, resolve));
    await runCommand('chmod', ['666', socket]);
    tf = new TfDir(work);
    writeFileSync(join(work, 'main.tf'), MAIN_TF);
    const login = { host: node.address, user: node.user, private_key_path: node.privateKeyPath, known_hosts_path: node.knownHostsPath, state_path: node.statePath };
    writeFileSync(join(work, 'lab.tfvars.json'), JSON.stringify({ node: login, bridge: node.bridge, backend_socket: socket }));
    installProvider({ dir: join(work, 'terraform.d', 'plugins') });
    tf.must([0], 'init', '-no-color', '-input=false');
  });
  after(async () => {
    if (tf && existsSync(join(work, 'terraform.tfstate'))) await tf.runAsync('destroy', '-auto-approve', ...args());
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    await labDown(LAB);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('apply runs haproxy; a killed haproxy is drift in plan; apply brings it back', async (t) => {
    const a = await tf.runAsync('apply', '-auto-approve', ...args());
    assert.equal(a.code, 0, a.stdout + a.stderr);
    const pid = proxyPid()!;
    assert.ok(pid, 'haproxy runs');
    assert.equal((await tf.runAsync('plan', '-detailed-exitcode', ...args())).code, 0, 'no drift after apply');

    process.kill(pid, 'SIGKILL');
    const p = await tf.runAsync('plan', '-detailed-exitcode', ...args());
    assert.equal(p.code, 2, p.stdout + p.stderr);
    assert.match(p.stdout, /dhcpagent_network\.net will be updated in-place/);
    assert.match(p.stdout.replace(/\s+/g, ' '), /metadata proxy \(haproxy\) is not running/);
    const r = await tf.runAsync('apply', '-auto-approve', ...args());
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.notEqual(proxyPid(), pid);
    assert.equal((await tf.runAsync('plan', '-detailed-exitcode', ...args())).code, 0);
    t.diagnostic(`plan that saw the dead proxy: ${Math.round(p.ms)} ms; repairing apply: ${Math.round(r.ms)} ms`);
  });

  it('refuses a bad metadata_backend_url at plan, naming the attribute and the value', async () => {
    const p = await tf.runAsync('plan', ...args('-var', 'backend_url=http://10.0.0.5:8775/x'));
    const out = (p.stdout + p.stderr).replace(/\s+/g, ' ');
    assert.equal(p.code, 1, out);
    assert.match(out, /Invalid metadata_backend_url/);
    assert.match(out, /got "http:\/\/10\.0\.0\.5:8775\/x"/);
    assert.match(out, /http:\/\/<host>:<port>/);
  });

  it('destroy leaves no haproxy', async () => {
    const pid = proxyPid()!;
    const d = await tf.runAsync('destroy', '-auto-approve', ...args());
    assert.equal(d.code, 0, d.stdout + d.stderr);
    assert.ok(!(await processAlive(pid)), 'haproxy gone (exited; a zombie not yet reaped counts as gone)');
    assert.equal((await runCommand('pgrep', ['-f', NET])).stdout.trim(), '', 'no process of the network left');
    assert.ok(!existsSync(node.statePath), 'state path removed');
  });
});
