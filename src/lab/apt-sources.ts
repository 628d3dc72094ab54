/**
 * Which Debian mirror this machine's apt uses, read from its sources (one-line `.list` files
 * and deb822 `.sources` files). The systemd lab node's root image comes from that mirror and
 * from no other host.
 */
import { readdir, readFile } from 'node:fs/promises';

/** One `deb` source: where packages of `suites` come from. */
export interface AptSource {
  readonly uri: string;
  readonly suites: readonly string[];
  readonly components: readonly string[];
  /** The keyring file the source names (`signed-by`), if any. */
  readonly signedBy?: string;
}

/** The `deb` (not `deb-src`) entries of a one-line `sources.list` text. */
export function parseSourcesList(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (!m) continue;
    const signedBy = /(?:^|\s)signed-by=(\S+)/.exec(m[1] ?? '')?.[1];
    out.push({ uri: m[2], suites: [m[3]], components: (m[4] ?? '').split(/\s+/).filter(Boolean), ...(signedBy ? { signedBy } : {}) });
  }
  return out;
}

/** The enabled `deb` stanzas of a deb822 `.sources` text. */
export function parseDeb822Sources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last = '';
    for (const raw of stanza.split('\n')) {
      if (raw.startsWith('#')) continue;
      if (/^\s/.test(raw) && last) {
        // A continuation line (e.g. an inline Signed-By key) belongs to the field above.
        fields.set(last, `${fields.get(last)} ${raw.trim()}`);
        continue;
      }
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(raw);
      if (!m) continue;
      last = m[1].toLowerCase();
      fields.set(last, m[2].trim());
    }
    const words = (k: string): string[] => (fields.get(k) ?? '').split(/\s+/).filter(Boolean);
    if (!words('types').includes('deb') || fields.get('enabled')?.toLowerCase() === 'no') continue;
    const signed = fields.get('signed-by');
    const signedBy = signed && /^\/\S+$/.test(signed) ? signed : undefined;
    for (const uri of words('uris')) {
      out.push({ uri, suites: words('suites'), components: words('components'), ...(signedBy ? { signedBy } : {}) });
    }
  }
  return out;
}

/**
 * The source that serves `codename` itself (not `-updates` or `-security`) with the `main`
 * component, or undefined.
 */
export function mirrorFor(sources: readonly AptSource[], codename: string): AptSource | undefined {
  return sources.find((s) => s.suites.includes(codename) && (s.components.length === 0 || s.components.includes('main')));
}

/** Every `deb` source of this machine: /etc/apt/sources.list and sources.list.d/*.list|*.sources. */
export async function readAptSources(etcApt = '/etc/apt'): Promise<AptSource[]> {
  const out: AptSource[] = [];
  const read = (p: string): Promise<string> => readFile(p, 'utf8').catch(() => '');
  out.push(...parseSourcesList(await read(`${etcApt}/sources.list`)));
  const entries = (await readdir(`${etcApt}/sources.list.d`).catch(() => [] as string[])).sort();
  for (const e of entries) {
    if (e.endsWith('.list')) out.push(...parseSourcesList(await read(`${etcApt}/sources.list.d/${e}`)));
    else if (e.endsWith('.sources')) out.push(...parseDeb822Sources(await read(`${etcApt}/sources.list.d/${e}`)));
  }
  return out;
}
