/**
 * neutron's dnsmasq as the network's DNS server, asked by a real client (busybox `nslookup`) in
 * a lab VM: names and reverse names of the network's ports, NXDOMAIN in the domain, forwarding to
 * `dnsmasqDnsServers` (a stub dnsmasq in another VM on the same bridge), and no forwarding at all
 * when no server is given and `dnsmasqLocalResolv` is off.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import * as agent from '../../src/agent';
import type { SshHost, SshPool } from '../../src/host';
import { labUnavailableReason, type Lab, type LabNode, type LabVm } from '../../src/lab';
import { inNetns, readPid, waitFor } from '../support/host-probe';
import { closeLabSession, openLabSession } from '../support/lab-node';
import { networkSpec, portSpec } from '../support/specs';

const LAB = 'dnlab';
const skip = labUnavailableReason() ?? nslookupUnavailableReason();
const NET = 'd1000000-0000-4000-8000-000000000001';
const MAC1 = 'fa:16:3e:d0:00:01';
const MAC2 = 'fa:16:3e:d0:00:02';
const MAC_STUB = 'fa:16:3e:d0:00:53';
/** The network's DHCP port: neutron hands it to clients as their DNS server (no dns_nameservers on the subnet). */
const DHCP_IP = '172.16.0.2';
const VM1_IP = '172.16.0.10';
const VM2_IP = '172.16.0.11';
const STUB_IP = '172.16.0.53';
/** TEST-NET-3: the stub's only answer; no real resolver would give it for this name. */
const STUB_ANSWER = '203.0.113.7';

/** Debian's busybox has the `nslookup` applet; a build without it cannot be the client here. */
function nslookupUnavailableReason(): string | undefined {
  try {
    const applets = execFileSync('busybox', ['--list'], { encoding: 'utf8' }).split('\n');
    return applets.includes('nslookup') ? undefined : 'busybox has no nslookup applet (`busybox --list`)';
  } catch (err) {
    return `busybox cannot run: ${err instanceof Error ? err.message : String(err)}`;
  }
}

interface Lookup {
  /** nslookup's exit status. */
  readonly code: number;
  readonly out: string;
  /** Wall time of the whole client run (nsenter + busybox + the query). */
  readonly ms: number;
}

/** `busybox nslookup -type=<type> <name> <server>` run in a VM's namespace. */
function nslookup(vm: LabVm, type: 'a' | 'ptr', name: string, server: string): Promise<Lookup> {
  const start = performance.now();
  return new Promise((resolve) => {
    execFile(
      'nsenter',
      [`--net=/run/netns/${vm.netns}`, 'busybox', 'nslookup', `-type=${type}`, name, server],
      { encoding: 'utf8', timeout: 15_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, out: stdout + stderr, ms: performance.now() - start });
      },
    );
  });
}

/** The addresses of the answer section (busybox prints the server's own `Address:` before it). */
function answers(l: Lookup): string[] {
  const afterServer = l.out.split(/\n\s*\n/).slice(1).join('\n');
  return [...afterServer.matchAll(/^Address:\s*(\S+)$/gm)].map((m) => m[1]);
}

/** A second dnsmasq in VM `stub`: answers only `example.test`, logs every query to its stderr. */
class StubDns {
  private log = '';
  private readonly child: ChildProcess;
  constructor(vm: LabVm) {
    this.child = spawn(
      'nsenter',
      [
        `--net=/run/netns/${vm.netns}`, 'dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null', '--no-hosts',
        '--no-resolv', `--address=/example.test/${STUB_ANSWER}`, `--listen-address=${STUB_IP}`, '--bind-interfaces',
        '--log-queries', '--log-facility=-', '--pid-file=',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child.stderr?.setEncoding('utf8').on('data', (s: string) => (this.log += s));
  }
  /** The names the stub was asked, in order. */
  queries(): string[] {
    return [...this.log.matchAll(/query\[\w+\] (\S+) from /g)].map((m) => m[1]);
  }
  async ready(): Promise<void> {
    await waitFor('stub dnsmasq started', () => /started, version/.test(this.log), 5000);
  }
  stop(): void {
    this.child.kill();
  }
}

describe('DNS from the network dnsmasq to real clients', { skip }, () => {
  let lab: Lab;
  let node: LabNode;
  let pool: SshPool;
  let host: SshHost;
  let vm1: LabVm;
  let stub: StubDns | undefined;

  const net = (dnsmasqDnsServers: string[] = []) => networkSpec(node, { networkId: NET, dhcpIp: DHCP_IP, options: { dnsmasqDnsServers } });
  const port = (id: string, macAddress: string, ip: string, hostname: string) => portSpec(net(), { id, macAddress, ip, hostname });

  before(async () => {
    ({ lab, node, pool, host } = await openLabSession({ name: LAB }));
    await agent.applyNode(host, { statePath: node.statePath, monitorIntervalSeconds: 60 });
    await agent.applyNetwork(host, net());
    await agent.applyPort(host, port('e1000000-0000-4000-8000-000000000001', MAC1, VM1_IP, 'vm1'));
    await agent.applyPort(host, port('e1000000-0000-4000-8000-000000000002', MAC2, VM2_IP, 'vm2'));
    vm1 = await lab.addVm({ node: 0, name: 'vm1', mac: MAC1 });
    const lease = await vm1.dhcp({ timeoutMs: 5000 });
    assert.equal(lease.ip, VM1_IP);
    assert.deepEqual(lease.dns, [DHCP_IP], 'the DHCP server is the VM\'s DNS server');
    assert.equal(lease.domain, 'openstacklocal');
    const vm2 = await lab.addVm({ node: 0, name: 'vm2', mac: MAC2 });
    assert.equal((await vm2.dhcp({ timeoutMs: 5000 })).ip, VM2_IP);
    const stubVm = await lab.addVm({ node: 0, name: 'stub', mac: MAC_STUB });
    inNetns(stubVm.netns, `ip addr add ${STUB_IP}/24 dev eth0`);
    stub = new StubDns(stubVm);
    await stub.ready();
  });
  after(async () => {
    stub?.stop();
    await closeLabSession(LAB, pool);
  });

  it('resolves another VM by hostname.<dnsDomain> (A) and by address (PTR) through the DHCP server', async (t) => {
    const a = await nslookup(vm1, 'a', 'vm2.openstacklocal', DHCP_IP);
    t.diagnostic(`A vm2.openstacklocal from vm1: ${a.ms.toFixed(1)} ms (nslookup run)`);
    assert.equal(a.code, 0, a.out);
    assert.deepEqual(answers(a), [VM2_IP], a.out);

    // busybox nslookup sends an address as a name; the reverse name is spelled out.
    const ptr = await nslookup(vm1, 'ptr', '11.0.16.172.in-addr.arpa', DHCP_IP);
    t.diagnostic(`PTR ${VM2_IP} from vm1: ${ptr.ms.toFixed(1)} ms (nslookup run)`);
    assert.equal(ptr.code, 0, ptr.out);
    assert.match(ptr.out, /11\.0\.16\.172\.in-addr\.arpa\s+name = vm2\.openstacklocal\n/, ptr.out);
  });

  // neutron renders only `--domain`, which names the DHCP clients' domain but does not make it
  // local (that would be `--local=/<domain>/`): dnsmasq answers an unknown name in it as any
  // other name it cannot answer itself, REFUSED with no server and forwarded with one (below).
  it('answers an unknown name in the domain with REFUSED, not NXDOMAIN (neutron: --domain without --local)', async (t) => {
    const l = await nslookup(vm1, 'a', 'nosuchvm.openstacklocal', DHCP_IP);
    t.diagnostic(`A nosuchvm.openstacklocal: ${l.ms.toFixed(1)} ms; output: ${JSON.stringify(l.out)}`);
    assert.notEqual(l.code, 0);
    assert.match(l.out, /can't find nosuchvm\.openstacklocal: REFUSED/, l.out);
    assert.deepEqual(answers(l), []);
  });

  it('forwards nothing when no DNS server is given and dnsmasqLocalResolv is off (the default)', async (t) => {
    const argv = readArgv();
    assert.ok(argv.includes('--no-resolv') && !argv.some((a) => a.startsWith('--server=')), argv.join(' '));
    const before = stub!.queries().length;
    const l = await nslookup(vm1, 'a', 'www.example.test', DHCP_IP);
    t.diagnostic(`A www.example.test without servers: ${l.ms.toFixed(1)} ms; output: ${JSON.stringify(l.out)}`);
    assert.notEqual(l.code, 0);
    assert.match(l.out, /can't find www\.example\.test: REFUSED/, l.out);
    assert.deepEqual(answers(l), []);
    assert.deepEqual(stub!.queries().slice(before), [], 'the stub saw no query');
  });

  it('forwards other names to dnsmasqDnsServers: a stub DNS server on the bridge', async (t) => {
    const st = await agent.applyNetwork(host, net([STUB_IP]));
    assert.equal(st.dnsmasqAction, 'started', 'a new --server restarts dnsmasq');
    assert.ok(readArgv().includes(`--server=${STUB_IP}`));
    const before = stub!.queries().length;
    const l = await nslookup(vm1, 'a', 'www.example.test', DHCP_IP);
    t.diagnostic(`A www.example.test forwarded to the stub: ${l.ms.toFixed(1)} ms (nslookup run)`);
    assert.equal(l.code, 0, l.out);
    assert.deepEqual(answers(l), [STUB_ANSWER], l.out);
    assert.deepEqual(stub!.queries().slice(before), ['www.example.test'], 'the stub saw the query');
    // The network's own names are still answered locally, not forwarded…
    const own = await nslookup(vm1, 'a', 'vm2.openstacklocal', DHCP_IP);
    assert.deepEqual(answers(own), [VM2_IP], own.out);
    assert.deepEqual(stub!.queries().slice(before), ['www.example.test']);
    // …but an unknown name in the domain is forwarded too (the stub refuses it: it knows only example.test).
    const unknown = await nslookup(vm1, 'a', 'nosuchvm.openstacklocal', DHCP_IP);
    const seen = stub!.queries().slice(before);
    t.diagnostic(`A nosuchvm.openstacklocal with a server: stub asked ${seen.length - 1} time(s); output: ${JSON.stringify(unknown.out)}`);
    assert.deepEqual(answers(unknown), [], unknown.out);
    assert.match(unknown.out, /can't find nosuchvm\.openstacklocal: REFUSED/, unknown.out);
    // A refused query may be retried (seen: twice), so only which names were asked is compared.
    assert.deepEqual([...new Set(seen)], ['www.example.test', 'nosuchvm.openstacklocal'], 'the stub was asked for the unknown name');
  });

  /** The running network dnsmasq's argv. */
  function readArgv(): string[] {
    const pid = readPid(`${node.statePath}/dhcp/${NET}/pid`);
    assert.ok(pid, 'dnsmasq pid file');
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  }
});
