import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReport, summarise, type ProbeAttempt } from '../../src/lab/prober';

const ok = (startMs: number, durationMs: number, serverId = '10.0.0.2'): ProbeAttempt => ({ startMs, durationMs, ok: true, ip: '10.0.0.10', serverId });
const bad = (startMs: number, durationMs: number): ProbeAttempt => ({ startMs, durationMs, ok: false, error: 'no DHCP lease' });

test('summarise counts failures and the longest gap between successful exchanges', () => {
  const r = summarise([ok(0, 100), ok(200, 100), bad(400, 3000), ok(3500, 150, '10.0.0.3'), ok(3750, 100)], 3900);
  assert.equal(r.attempts, 5);
  assert.equal(r.failures, 1);
  // From the end of the second success (300) to the end of the third (3650).
  assert.equal(r.longestGapMs, 3350);
  assert.deepEqual(r.servers, ['10.0.0.2', '10.0.0.3']);
  assert.match(formatReport(r), /^attempts 5, failures 1, longest gap 3350 ms, servers 10\.0\.0\.2 10\.0\.0\.3; failed: 400 ms: no DHCP lease$/);
});

test('summarise counts the time after the last success up to the stop as a gap', () => {
  const r = summarise([ok(0, 100), bad(200, 3000)], 5000);
  assert.equal(r.longestGapMs, 4900);
  assert.equal(summarise([], 700).longestGapMs, 700);
});
