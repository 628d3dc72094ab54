/**
 * What a lab VM's DHCP client got, as its script recorded it: the script
 * (src/lab/sh/dhcp-client-record.sh, used by dhclient -6 and dhcpcd) writes the client's
 * variables as `NAME=value` lines, and this module reads them back.
 */
import { chmod, writeFile } from 'node:fs/promises';
import { shellFile } from '../host/shell-files';

const RECORD_SCRIPT = shellFile('lab/sh/dhcp-client-record.sh');

/**
 * Writes the recording client script (src/lab/sh/dhcp-client-record.sh) into `dir`; returns its
 * path. The client must give it `DHCP_RECORD`, the file the answer is recorded in.
 */
export async function writeRecordScript(dir: string): Promise<string> {
  const script = `${dir}/record.sh`;
  // shellFile drops the file's leading comments, the #! line with them.
  await writeFile(script, `#!/bin/sh\n${RECORD_SCRIPT}`);
  await chmod(script, 0o755);
  return script;
}

/** The `NAME=value` lines of a recorded environment, as a map. */
export function parseRecord(text: string): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) raw[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return raw;
}

/** The words of a space-separated list variable ([] when unset or empty). */
export function words(v: string | undefined): string[] {
  return v ? v.trim().split(/\s+/) : [];
}
