/**
 * The stale-L1 check of `npm run lint` (scripts/gen-l1.ts --check): it regenerates the bindings
 * and names every generated file that differs. Fed the schema dumped beside the bindings, so no
 * Terraform is needed here (test/e2e/l1-generated.test.ts checks that dump against Terraform's).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GENERATED_DIR, SCHEMA_FILE, generateL1, providerSchemaJson, staleFiles, type Json } from '../../scripts/gen-l1';

const repoRoot = resolve(__dirname, '..', '..');

describe('L1 bindings: the stale check', () => {
  let copy: string;
  let expected: Map<string, string>;

  before(async () => {
    copy = join(mkdtempSync(join(tmpdir(), 'l1-stale-')), 'generated');
    cpSync(GENERATED_DIR, copy, { recursive: true });
    expected = await generateL1(JSON.parse(readFileSync(join(GENERATED_DIR, SCHEMA_FILE), 'utf8')) as Json);
  });
  after(() => rmSync(resolve(copy, '..'), { recursive: true, force: true }));

  it('derives from the provider the schema the bindings were generated from', () => {
    assert.deepEqual(providerSchemaJson(), JSON.parse(readFileSync(join(GENERATED_DIR, SCHEMA_FILE), 'utf8')));
  });

  it('finds nothing stale in the checked-in bindings', () => {
    assert.deepEqual(staleFiles(copy, expected), []);
    assert.deepEqual([...expected.keys()], ['index.ts', 'network/index.ts', 'node/index.ts', 'port/index.ts', 'provider/index.ts', 'schema.json']);
  });

  it('names an edited, a missing and a left-over file', () => {
    const node = join(copy, 'node', 'index.ts');
    writeFileSync(node, readFileSync(node, 'utf8').replace('Address or host name of the node.', 'Address of the node.'));
    unlinkSync(join(copy, 'port', 'index.ts'));
    writeFileSync(join(copy, 'extra.ts'), 'export {};\n');
    assert.deepEqual(staleFiles(copy, expected), [
      { path: node, why: 'differs from what the generator writes' },
      { path: join(copy, 'port', 'index.ts'), why: 'missing' },
      { path: join(copy, 'extra.ts'), why: 'not generated (left over)' },
    ]);
  });

  it('--check exits 1 naming each stale file, and says how to regenerate', () => {
    appendFileSync(join(copy, 'provider', 'index.ts'), '// edited by hand\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'gen-l1.ts'), '--check', '--dir', copy, '--schema', join(copy, SCHEMA_FILE)], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 300_000,
    });
    assert.equal(r.status, 1, r.stderr);
    const names = [...r.stderr.matchAll(/^stale L1 binding: (\S+): /gm)].map((m) => resolve(repoRoot, m[1]));
    assert.deepEqual(names.sort(), [join(copy, 'extra.ts'), join(copy, 'node', 'index.ts'), join(copy, 'port', 'index.ts'), join(copy, 'provider', 'index.ts')].sort());
    assert.match(r.stderr, /run `npm run gen:l1`/);
  });
});
