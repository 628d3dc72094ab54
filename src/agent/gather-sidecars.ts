/**
 * The `@@sidecars` lines of a network's observation (sidecar.sh's `observe_sidecars`), made
 * from a node's gathering (gather.ts): what sidecarDrift in sidecar.ts then judges, as it
 * judges the network's own observation.
 */
import type { GatheredNetwork, NodeGathering } from './gather';
import type { DerivedNetwork } from './network-script';
import { sha256 } from './script';
import { sidecarLayout, sidecarPaths } from './sidecar';

/** Whether process facts (`cmdline` base64) name `path` as one argument, or one word of a title (sidecar.sh's names_arg). */
function namesArg(facts: Map<string, string>, path: string): boolean {
  return Buffer.from(facts.get('cmdline') ?? '', 'base64').toString('utf8').split(/[\0 \n]/).includes(path);
}

/** Whether process facts' `inodes` say it runs in the network's namespace as it is mounted now (network-lib.sh's in_our_netns). */
export function inOurNetns(facts: Map<string, string>): boolean {
  const [inode, nsInode] = (facts.get('inodes') ?? '').split(' ');
  return !!inode && inode === nsInode;
}

/** A file of the network, by path under its directory. */
function file(g: NodeGathering, d: DerivedNetwork, path: string): Buffer | undefined {
  return g.files.get(`${d.networkId}/${path}`);
}

/** A file's content with trailing newlines dropped, as `$(cat file)` gives it; '' when absent. */
function catText(content: Buffer | undefined): string {
  return (content?.toString('utf8') ?? '').replace(/\n+$/, '');
}

/** The `@@sidecars` lines sidecar.sh's `observe_sidecars` prints for network `d`, from the gathering. */
export function sidecarLines(g: NodeGathering, net: GatheredNetwork, d: DerivedNetwork): string[] {
  const lines: string[] = [];
  const keep: string[] = [];
  const conf = (name: string) => file(g, d, `sidecars/${name}.conf`);
  // sidecar_pid: the pid file names a live process whose command line names the config file.
  const live = (name: string, confPath: string) => {
    const facts = net.sidecars.get(name);
    return facts && namesArg(facts, confPath) ? facts : undefined;
  };
  for (const sc of d.sidecars) {
    const l = sidecarLayout(g.statePath, d.networkId, sc);
    const facts = live(sc.name, l.conf);
    const pid = facts?.get('pid') ?? '';
    let line = `want ${sc.name} pid=${pid}`;
    if (facts) {
      const argv = Buffer.from(facts.get('cmdline') ?? '', 'base64');
      const wanted = Buffer.from((sc.title !== undefined ? [sc.title] : sc.argv).map((a) => `${a}\0`).join(''), 'utf8');
      line += ` netns=${inOurNetns(facts) ? 1 : 0} cmdline=${argv.equals(wanted) ? 1 : 0}`;
      keep.push(pid);
    }
    const c = conf(sc.name);
    lines.push(`${line} loaded=${catText(file(g, d, `sidecars/${sc.name}.loaded`))} conf=${c ? sha256(c) : ''}`);
    if (g.sidecarTemplates.has(sc.name)) {
      const shown = g.units.get(l.unit) ?? [];
      for (const kv of shown) if (/^(ActiveState|UnitFileState|MainPID)=/.test(kv)) lines.push(`unit ${sc.name} ${kv}`);
    }
  }
  const wanted = new Set(d.sidecars.map((sc) => sc.name));
  const prefix = `${d.networkId}/sidecars/`;
  const confs = [...g.files.keys()].filter((p) => p.startsWith(prefix) && p.endsWith('.conf') && !p.slice(prefix.length).includes('/') && !p.slice(prefix.length).startsWith('.'));
  for (const path of confs.sort()) {
    const name = path.slice(prefix.length, -'.conf'.length);
    if (wanted.has(name)) continue;
    const facts = live(name, sidecarPaths(d.paths.confDir, name).conf);
    if (facts) {
      lines.push(`unwanted ${name} ${facts.get('pid')}`);
      keep.push(facts.get('pid') ?? '');
    }
  }
  const stray = net.sidecarProcs.filter((p) => !keep.includes(p));
  lines.push(`stray ${stray.map((p) => `${p} `).join('')}`);
  return lines;
}
