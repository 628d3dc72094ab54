/** Parses script output made of `@@name` headers followed by lines, as the node scripts print it. */
export function parseSections(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of stdout.split('\n')) {
    if (line.startsWith('@@')) {
      current = [];
      out.set(line.slice(2).trim(), current);
    } else if (current) {
      current.push(line);
    }
  }
  return out;
}

/** The first non-empty line of a section, or ''. */
export function sectionText(sections: Map<string, string[]>, name: string): string {
  return (sections.get(name) ?? []).find((l) => l.trim() !== '')?.trim() ?? '';
}

/** `key value` lines of a section as a map. */
export function sectionPairs(sections: Map<string, string[]>, name: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of sections.get(name) ?? []) {
    const t = line.trim();
    if (!t) continue;
    const i = t.indexOf(' ');
    m.set(i < 0 ? t : t.slice(0, i), i < 0 ? '' : t.slice(i + 1).trim());
  }
  return m;
}

/** `key=value` lines anywhere in the output (the ensure/reload steps print those). */
export function keyValues(stdout: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^([a-z_]+)=(.*)$/.exec(line);
    if (match) m.set(match[1], match[2]);
  }
  return m;
}
