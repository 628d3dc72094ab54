/**
 * How the agent reads what its node scripts print: `@@name` sections (parseSections and its
 * readers), `key=value` lines (keyValues), the failed-step marker on stderr (failedStep,
 * checkResult) and the network context a writer renders against (parseContext). Pure parsing,
 * plus one real `sh` run to check that the marker the prelude prints is the one failedStep reads.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { parseContext } from '../../src/agent/stored-network';
import { AgentStepError, checkResult, ExistsError } from '../../src/agent/errors';
import { failedStep, FAILED_STEP_MARKER, Script } from '../../src/agent/script';
import { keyValues, parseSections, sectionPairs, sectionText } from '../../src/agent/sections';

describe('parseSections', () => {
  it('each @@name header starts a section holding the lines up to the next header', () => {
    const sections = parseSections('@@dir\n1\n@@sha\nabc  network.json\ndef  setup.sh\n@@end\n');
    assert.deepEqual([...sections], [
      ['dir', ['1']],
      ['sha', ['abc  network.json', 'def  setup.sh']],
      ['end', ['']],
    ]);
  });

  it('lines before the first header are dropped (the key=value lines of apply come first)', () => {
    assert.deepEqual([...parseSections('serial=3\ndnsmasq=reloaded 42\n@@ns\n1')], [['ns', ['1']]]);
  });

  it('names are trimmed; an empty section keeps the empty line the shell printed', () => {
    assert.deepEqual([...parseSections('@@route6 \n\n@@end')], [
      ['route6', ['']],
      ['end', []],
    ]);
  });

  it('a repeated header replaces the earlier section', () => {
    assert.deepEqual(parseSections('@@a\n1\n@@a\n2\n').get('a'), ['2', '']);
  });

  it('no headers, no sections', () => {
    assert.equal(parseSections('').size, 0);
    assert.equal(parseSections('just text\n').size, 0);
  });
});

describe('sectionText', () => {
  const sections = parseSections('@@interface\n\n  ns-1234  \nsecond\n@@empty\n\n\n@@end');

  it('the first non-empty line, trimmed', () => {
    assert.equal(sectionText(sections, 'interface'), 'ns-1234');
  });

  it("'' for a section with only empty lines, or none at all", () => {
    assert.equal(sectionText(sections, 'empty'), '');
    assert.equal(sectionText(sections, 'absent'), '');
  });
});

describe('sectionPairs', () => {
  it('`key value` lines; the value is the rest of the line, trimmed', () => {
    const pairs = sectionPairs(parseSections('@@dnsmasq\npid 4242\nnetns   1\nstray 77 78 \n@@end'), 'dnsmasq');
    assert.deepEqual([...pairs], [
      ['pid', '4242'],
      ['netns', '1'],
      ['stray', '77 78'],
    ]);
  });

  it("a key alone has the value ''; empty lines are skipped; the last of a key wins", () => {
    const pairs = sectionPairs(parseSections('@@dnsmasq\npid \n\n  stray\nnetns 0\nnetns 1\n'), 'dnsmasq');
    assert.deepEqual([...pairs], [
      ['pid', ''],
      ['stray', ''],
      ['netns', '1'],
    ]);
  });

  it('sha256sum lines keep their "  -" (readers take the first word)', () => {
    const pairs = sectionPairs(parseSections(`@@assembled\nhost ${'a'.repeat(64)}  -\n`), 'assembled');
    assert.equal(pairs.get('host'), `${'a'.repeat(64)}  -`);
  });

  it('an absent section is an empty map', () => {
    assert.equal(sectionPairs(new Map(), 'rules').size, 0);
  });
});

describe('keyValues', () => {
  it('`key=value` lines anywhere in the output; the value is everything after the first "="', () => {
    const kv = keyValues('serial=3\nnetserial=2\ndnsmasq=started 4242\n@@dir\n1\nquery=a=b\n');
    assert.deepEqual([...kv], [
      ['serial', '3'],
      ['netserial', '2'],
      ['dnsmasq', 'started 4242'],
      ['query', 'a=b'],
    ]);
  });

  it('only lower-case keys of letters and "_" at the start of a line; the last wins', () => {
    const kv = keyValues('Name=unit\n serial=9\nnode-ms=3\nnode_ms=4\nexists=\nnode_ms=5');
    assert.deepEqual([...kv], [
      ['node_ms', '5'],
      ['exists', ''],
    ]);
  });
});

describe('failedStep', () => {
  it('the step the prelude reported, and the rest of stderr trimmed', () => {
    assert.deepEqual(failedStep(`mkdir: cannot create directory\n${FAILED_STEP_MARKER} write files 1\n`), { step: 'write files', stderr: 'mkdir: cannot create directory' });
  });

  it('no marker: no step, the whole stderr', () => {
    assert.deepEqual(failedStep('  sh: 1: oops: not found\n'), { step: null, stderr: 'sh: 1: oops: not found' });
  });

  it('the exit code after the step name is dropped; the last marker wins', () => {
    assert.deepEqual(failedStep(`${FAILED_STEP_MARKER} lock 1\nx\n${FAILED_STEP_MARKER} state path 75`), { step: 'state path', stderr: 'x' });
  });

  it('the marker only counts at the start of a line and followed by a space', () => {
    const text = `say ${FAILED_STEP_MARKER} lock 1\n${FAILED_STEP_MARKER}-lock 1`;
    assert.deepEqual(failedStep(text), { step: null, stderr: text });
  });

  it('reads what a real script prints when a step fails', () => {
    const script = new Script().step('state path').add('true').step('write files').add('echo "cannot write" >&2', 'exit 3').toString();
    const r = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
    assert.equal(r.status, 3);
    assert.deepEqual(failedStep(r.stderr), { step: 'write files', stderr: 'cannot write' });
  });
});

describe('checkResult', () => {
  it('returns a successful result as it is', () => {
    const result = { code: 0, stdout: 'deleted=1\n', stderr: 'noise' };
    assert.equal(checkResult('n0', 'network net-a', result, 'apply'), result);
  });

  it('throws AgentStepError naming node, object, the reported step, exit code and stderr', () => {
    const result = { code: 1, stdout: '', stderr: `device tap123 belongs to network other\n${FAILED_STEP_MARKER} preflight 1\n` };
    assert.throws(
      () => checkResult('n0', 'network net-a', result, 'apply'),
      (err: unknown) => {
        assert.ok(err instanceof AgentStepError);
        assert.equal(err.name, 'AgentStepError');
        assert.equal(err.message, 'n0: network net-a: step "preflight" failed (exit 1): device tap123 belongs to network other');
        assert.deepEqual({ node: err.node, object: err.object, step: err.step, exitCode: err.exitCode, stderr: err.stderr }, {
          node: 'n0',
          object: 'network net-a',
          step: 'preflight',
          exitCode: 1,
          stderr: 'device tap123 belongs to network other',
        });
        return true;
      },
    );
  });

  it('without a reported step, the fallback step; without stderr, no colon', () => {
    assert.throws(() => checkResult('n0', 'port p1', { code: 255, stdout: '', stderr: '' }, 'observe port'), {
      name: 'AgentStepError',
      message: 'n0: port p1: step "observe port" failed (exit 255)',
    });
  });
});

describe('ExistsError', () => {
  it('says what is there, that nothing changed, and how to manage it', () => {
    const err = new ExistsError('n0', 'network net-a', 'its /s/dhcp/net-a/network.json holds other subnets');
    assert.equal(err.name, 'ExistsError');
    assert.equal(
      err.message,
      'network net-a already exists on n0 with another spec (its /s/dhcp/net-a/network.json holds other subnets); nothing was changed. To manage it here, import it instead of creating it',
    );
  });
});

describe('parseContext', () => {
  const port = { id: 'p1', macAddress: 'fa:16:3e:00:00:01', fixedIps: [], deviceOwner: 'compute:nova', extraDhcpOpts: [] };

  it('counters, the network spec and the ports kept on the node', () => {
    const ctx = parseContext(`@@serial\n7\n@@netserial\n3\n@@network\n{"dhcpPortId":"d1"}\n@@ports\n${JSON.stringify(port)}\n\n@@end\n`, 'n0:/s/dhcp/net-a');
    assert.deepEqual(ctx, { serial: 7, netSerial: 3, spec: { dhcpPortId: 'd1' }, ports: new Map([['p1', port]]) });
  });

  it('nothing on the node yet: zero counters, no spec, no ports', () => {
    assert.deepEqual(parseContext('@@serial\n\n@@netserial\n\n@@network\n\n@@ports\n@@end\n', 'x'), { serial: 0, netSerial: 0, spec: null, ports: new Map() });
  });

  it('a counter that is no number reads as 0', () => {
    assert.equal(parseContext('@@serial\nabc\n', 'x').serial, 0);
  });

  it('a damaged port line, or one without an id, is skipped (that port\'s read reports it)', () => {
    const ctx = parseContext(`@@ports\n{"id":\n{"macAddress":"x"}\n${JSON.stringify(port)}\n`, 'x');
    assert.deepEqual([...ctx.ports.keys()], ['p1']);
  });

  it('a network.json that is not JSON is an error naming the file and what to do', () => {
    assert.throws(() => parseContext('@@network\n{"dhcpPortId":\n', 'n0:/s/dhcp/net-a'), {
      message: 'n0:/s/dhcp/net-a/network.json is not valid JSON (edited outside the agent?); re-apply the network to rewrite it',
    });
  });
});
