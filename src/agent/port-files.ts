/** The files a port contributes on the node: its spec and its fragments of the dnsmasq files. */
import { sh } from '../host/quote';
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
import { writeFileCommand } from './script';

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

/** Shell text writing a port's files into `portsDir` (port ids are validated: safe file names). */
export function writePortFilesCommand(portsDir: string, portId: string, files: PortFiles): string {
  const base = `${portsDir}/${portId}`;
  return [
    writeFileCommand(`${base}.host`, files.host),
    writeFileCommand(`${base}.addn`, files.addn),
    writeFileCommand(`${base}.opts`, files.opts),
    writeFileCommand(`${base}.leases`, files.leases),
    // The spec last: a port counts as present once its fragments are in place.
    writeFileCommand(`${base}.json`, files.json),
  ].join('\n');
}

export function removePortFilesCommand(portsDir: string, portId: string): string {
  const base = `${portsDir}/${portId}`;
  return sh`rm -f ${base}.json ${base}.host ${base}.addn ${base}.opts ${base}.leases ${base}.generation`;
}
