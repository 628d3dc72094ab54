/**
 * Makes `cdktf deploy` find the dhcpagent provider offline, with nothing written outside the
 * project: at synthesis, the provider package (the self-contained bundle and its launcher,
 * zipped: see src/provider/packaging.ts) goes into the stack directory's
 * `terraform.d/plugins` (a directory Terraform searches on its own) and the stack's
 * `.terraform.lock.hcl` gets a matching provider block — cdktf-cli only skips its online
 * `terraform providers lock` when the lock file already has the provider with `constraints`
 * equal to the required version. Terraform extracts the zip into its plugin cache, so another
 * app that finds the provider there keeps working when this app's `cdktf.out` is deleted.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';
import { installProvider, pluginCacheDir, providerLockBlock, removeDanglingCacheEntry, writeFileAtomic } from '../src/provider/packaging';
import { PROVIDER_SOURCE } from '../src/provider/version';
import { showAutoApproveHint } from './auto-approve-hint';

interface SynthesisSession {
  readonly outdir: string;
  readonly manifest: { forStack(stack: TerraformStack): { workingDirectory: string } };
}

/**
 * cdktf calls `onSynthesize` of the object stored under this global symbol on every construct
 * of a stack while it writes the stack (TerraformAsset copies its files the same way). cdktf
 * 0.21 is the final release, so the hook stays as it is.
 */
const CUSTOM_SYNTHESIS = Symbol.for('cdktf/customSynthesis');

export function installProviderIntoStack(construct: IConstruct): void {
  const stack = TerraformStack.of(construct);
  Object.defineProperty(construct, CUSTOM_SYNTHESIS, {
    value: {
      onSynthesize(session: SynthesisSession) {
        const dir = join(session.outdir, session.manifest.forStack(stack).workingDirectory);
        installProvider({ dir: join(dir, 'terraform.d', 'plugins') });
        writeLockFile(join(dir, '.terraform.lock.hcl'));
        removeDanglingCacheEntry(pluginCacheDir());
        showAutoApproveHint();
      },
    },
    enumerable: false,
  });
}

/** Puts this provider's block into the lock file, keeping the other providers' blocks (atomically: see writeFileAtomic). */
export function writeLockFile(path: string): void {
  const block = providerLockBlock();
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '';
  // Terraform's own header comment is written once, above the blocks.
  const others = removeProviderBlock(existing, PROVIDER_SOURCE)
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n')
    .trim();
  const header = '# This file is maintained automatically by "terraform init".\n# Manual edits may be lost in future updates.\n';
  writeFileAtomic(path, `${header}\n${block.trim()}\n${others ? `\n${others}\n` : ''}`);
}

function removeProviderBlock(text: string, source: string): string {
  const start = text.indexOf(`provider "${source}"`);
  if (start < 0) return text;
  let depth = 0;
  for (let i = text.indexOf('{', start); i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(0, start) + text.slice(i + 1);
  }
  return text.slice(0, start);
}
