/** The files a port contributes on the node: its spec and its fragments of the dnsmasq files. */
import { sh, shq } from '../host/quote';
import type { Port } from '../model/types';
import {
  addnHostsLinesForPort,
  hostLinesForPort,
  leaseLinesForPort,
  optLinesForPort,
  type RenderContext,
} from '../dnsmasq';
import { canonicalJson } from './canonical-json';
import { fragment } from './network-script';

export interface PortFiles {
  readonly json: string;
  readonly host: string;
  readonly addn: string;
  readonly opts: string;
  /** Only used when the leases file is created; not compared by read. */
  readonly leases: string;
}

export function renderPortFiles(port: Port, ctx: RenderContext, nowSeconds: number): PortFiles {
  return {
    json: canonicalJson(port) + '\n',
    host: hostLinesForPort(port, ctx),
    addn: addnHostsLinesForPort(port, ctx),
    opts: fragment(optLinesForPort(port, ctx)),
    leases: leaseLinesForPort(port, ctx, nowSeconds),
  };
}

/**
 * Shell text writing a port's files into `portsDir` (port ids are validated: safe file names).
 * Fragments are read only by the assembly, under the network lock, never by dnsmasq: they need
 * no atomic rename, and the shell's builtin printf writes them without starting a process
 * (five files × base64, chmod and mv was most of a port's time on the node).
 */
export function writePortFilesCommand(portsDir: string, portId: string, files: PortFiles): string {
  const base = `${portsDir}/${portId}`;
  const write = (path: string, content: string) => `printf '%s' ${shq(content)} > ${shq(path)}`;
  return [
    write(`${base}.host`, files.host),
    write(`${base}.addn`, files.addn),
    write(`${base}.opts`, files.opts),
    write(`${base}.leases`, files.leases),
    // The spec last: a port counts as present once its fragments are in place.
    write(`${base}.json`, files.json),
  ].join('\n');
}

export function removePortFilesCommand(portsDir: string, portId: string): string {
  const base = `${portsDir}/${portId}`;
  return sh`rm -f ${base}.json ${base}.host ${base}.addn ${base}.opts ${base}.leases ${base}.generation`;
}
