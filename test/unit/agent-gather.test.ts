/**
 * The pure parts of a node's gathering: reading the node's tar (made here by the real `tar`),
 * and the single-flight keeping of gatherings per node. No node, no root.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { Gatherings, type NodeGathering } from '../../src/agent/gather';
import { untar } from '../../src/agent/tar';
import type { Host } from '../../src/host/types';

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
