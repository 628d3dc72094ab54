/**
 * The pure parts of a node's gathering: reading the node's tar (made here by the real `tar`),
 * turning gathered sidecar and metadata facts into the single reads' lines, and the
 * single-flight keeping of gatherings per node. No node, no root.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { Gatherings, metadataLines, networkObservation, parseGathering, type NodeGathering } from '../../src/agent/gather';
import { deriveNetwork } from '../../src/agent/network-script';
import { sha256 } from '../../src/agent/script';
import { sidecarLayout } from '../../src/agent/sidecar';
import { untar } from '../../src/agent/tar';
import type { Host } from '../../src/host/types';
import { networkSpec } from '../support/specs';

describe('untar', () => {
  it('reads back every regular file the node tar wrote: empty, binary, nested, names past 100 characters', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gat-tar-'));
    try {
      const long = `${'n'.repeat(60)}/ports/${'p'.repeat(70)}.json`;
      const files: Record<string, Buffer> = {
        'a/network.json': Buffer.from('{"x":1}\n'),
        'a/ports/empty.opts': Buffer.alloc(0),
        'a/binary': Buffer.from([0, 1, 2, 255, 10, 0]),
        [long]: Buffer.from('x'.repeat(1500)),
      };
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(join(dir, path, '..'), { recursive: true });
        writeFileSync(join(dir, path), content);
      }
      const archive = gunzipSync(execFileSync('tar', ['-cz', '-f', '-', '.'], { cwd: dir }));
      const got = untar(archive);
      assert.deepEqual([...got.keys()].sort(), Object.keys(files).sort());
      for (const [path, content] of Object.entries(files)) assert.ok(got.get(path)!.equals(content), path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('gathered sidecars and metadata trees', () => {
  const STATE = '/var/lib/dhcp-agent';
  const NET = 'a7000000-0000-4000-8000-000000000003';
  const spec = { ...networkSpec({ name: 'n0', bridge: 'br0', statePath: STATE }, { networkId: NET }), metadata: { backendSocket: '/run/md.sock' } };
  const d = deriveNetwork(spec);
  const [proxy] = d.sidecars;
  const layout = sidecarLayout(STATE, NET, proxy);
  const b64 = (args: string[]) => Buffer.from(args.map((a) => `${a}\0`).join('')).toString('base64');
  const out = (proxyCmdline: string[], oldInode: string | undefined = '8') =>
    [
      '@@files',
      '@@links',
      '[]',
      '@@supervised',
      '0',
      '@@sctemplates',
      proxy.name,
      `@@net ${NET}`,
      'ns 1',
      '@@sidecar_procs',
      ...[100, 200, 300].map((p) => `/proc/${p}/cmdline`),
      `@@sidecar ${proxy.name}`,
      'pid 100',
      `cmdline ${b64(proxyCmdline)}`,
      `inodes-of /proc/100/ns/net /run/netns/qdhcp-${NET}`,
      '@@sidecar old',
      'pid 200',
      `cmdline ${b64(['old', '-f', `${layout.dir}/old.conf`])}`,
      `inodes-of /proc/200/ns/net /run/netns/qdhcp-${NET}`,
      '@@mdlinks',
      '172.16.0.10 ../trees/p1.abc',
      '172.16.0.11 ../trees/p2.def',
      '@@mdtree ../trees/p1.abc',
      'f 0123 latest/meta-data/instance-id',
      'l latest 2009-04-04',
      `@@in ${NET}`,
      '@@addr',
      '[]',
      '@@nsinodes',
      `7 /run/netns/qdhcp-${NET}`,
      '7 /proc/100/ns/net',
      ...(oldInode ? [`${oldInode} /proc/200/ns/net`] : []),
      '@@units',
      `Id=${layout.unit}`,
      'ActiveState=active',
      'Result=success',
      'UnitFileState=enabled',
      'MainPID=100',
      '',
      '@@end',
    ].join('\n');
  const gathered = (proxyCmdline: string[], oldInode?: string): NodeGathering => {
    const g = parseGathering(out(proxyCmdline, oldInode), STATE);
    const files = new Map([
      [`${NET}/sidecars/${proxy.name}.conf`, Buffer.from(proxy.config)],
      [`${NET}/sidecars/${proxy.name}.loaded`, Buffer.from(`${sha256('before')}\n`)],
      [`${NET}/sidecars/old.conf`, Buffer.from('x')],
    ]);
    return { ...g, files };
  };

  it("observe_sidecars' lines: the wanted one with its facts and unit, an unwanted one, strays", () => {
    assert.deepEqual(networkObservation(gathered([...proxy.argv]), d)!.get('sidecars'), [
      `want ${proxy.name} pid=100 netns=1 cmdline=1 loaded=${sha256('before')} conf=${sha256(proxy.config)}`,
      `unit ${proxy.name} ActiveState=active`,
      `unit ${proxy.name} UnitFileState=enabled`,
      `unit ${proxy.name} MainPID=100`,
      'unwanted old 200',
      'stray 300 ',
    ]);
  });

  it("a process's namespace inodes come from the node's one stat of every namespace file", () => {
    const g = gathered([...proxy.argv]);
    assert.equal(g.networks.get(NET)!.sidecars.get(proxy.name)!.get('inodes'), '7 7');
    assert.equal(g.networks.get(NET)!.sidecars.get('old')!.get('inodes'), '8 7');
    assert.equal(g.networks.get(NET)!.sidecars.get(proxy.name)!.has('inodes-of'), false);
    const vanished = parseGathering(out([...proxy.argv], ''), STATE);
    assert.equal(vanished.networks.get(NET)!.sidecars.get('old')!.get('inodes'), '7', 'a process gone before the stat has no inode of its own');
  });

  it('a process whose command line does not name the config file is not the sidecar; another command line is told', () => {
    const lines = networkObservation(gathered(['haproxy', '-f', '/etc/haproxy.cfg']), d)!.get('sidecars')!;
    assert.equal(lines[0], `want ${proxy.name} pid= loaded=${sha256('before')} conf=${sha256(proxy.config)}`);
    assert.equal(lines.at(-1), 'stray 100 300 ');
    const other = networkObservation(gathered([...proxy.argv, '-d']), d)!.get('sidecars')!;
    assert.match(other[0], / netns=1 cmdline=0 /);
  });

  it("md_observe's lines: the links of the port's addresses, then the first one's tree", () => {
    const g = gathered([...proxy.argv]);
    assert.deepEqual(metadataLines(g, NET, ['172.16.0.10', '172.16.0.99']), ['link 172.16.0.10 ../trees/p1.abc', 'link 172.16.0.99 missing', 'f 0123 latest/meta-data/instance-id', 'l latest 2009-04-04']);
    assert.deepEqual(metadataLines(g, NET, ['172.16.0.99']), ['link 172.16.0.99 missing']);
    assert.deepEqual(metadataLines(g, NET, ['172.16.0.11']), ['link 172.16.0.11 ../trees/p2.def', 'tree missing']);
    assert.deepEqual(metadataLines(g, 'a7000000-0000-4000-8000-00000000ffff', ['172.16.0.10']), ['link 172.16.0.10 missing']);
  });
});

describe('Gatherings', () => {
  const host = (label: string) => ({ label }) as Host;
  const gathering = (statePath: string): NodeGathering => ({ statePath, files: new Map(), networks: new Map(), links: [], supervised: false, units: new Map(), sidecarTemplates: new Set() });

  it('concurrent reads of one node share one gathering; other nodes and state paths get their own', async () => {
    const calls: string[] = [];
    const g = new Gatherings(async (h, statePath) => {
      calls.push(`${h.label}|${statePath}`);
      await new Promise((r) => setTimeout(r, 10));
      return gathering(statePath);
    });
    const got = await Promise.all([g.of(host('n0'), '/s'), g.of(host('n0'), '/s'), g.of(host('n1'), '/s'), g.of(host('n0'), '/t'), g.of(host('n0'), '/s')]);
    assert.deepEqual(calls, ['n0|/s', 'n1|/s', 'n0|/t']);
    assert.equal(got[0], got[1]);
    assert.equal(got[0], got[4]);
    assert.equal(await g.of(host('n0'), '/s'), got[0], 'kept for later reads');
  });

  it('a write forgets the node: the next read gathers again', async () => {
    let n = 0;
    const g = new Gatherings(() => Promise.resolve({ ...gathering('/s'), statePath: `/s${++n}` }));
    assert.equal((await g.of(host('n0'), '/s')).statePath, '/s1');
    g.forget('n0', '/s');
    assert.equal((await g.of(host('n0'), '/s')).statePath, '/s2');
    g.forget('n1', '/s');
    assert.equal((await g.of(host('n0'), '/s')).statePath, '/s2', 'another node forgotten: this one kept');
  });

  it('a failed gathering is not kept', async () => {
    let n = 0;
    const g = new Gatherings(() => (++n === 1 ? Promise.reject(new Error('boom')) : Promise.resolve(gathering('/s'))));
    await assert.rejects(Promise.all([g.of(host('n0'), '/s'), g.of(host('n0'), '/s')]), /boom/);
    assert.equal(n, 1, 'both waited for the same attempt');
    assert.equal((await g.of(host('n0'), '/s')).statePath, '/s');
    assert.equal(n, 2);
  });
});
