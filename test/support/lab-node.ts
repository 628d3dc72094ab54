/** A lab with an SSH connection to its first node: what most lab tests start from and end with. */
import { SshPool, type SshHost } from '../../src/host';
import { labDown, labUp, type Lab, type LabNode, type LabUpOptions } from '../../src/lab';

export interface LabSession {
  readonly lab: Lab;
  /** The lab's first node. */
  readonly node: LabNode;
  readonly pool: SshPool;
  /** Logged in to `node` as the lab's root user, host key pinned. */
  readonly host: SshHost;
}

/** Brings lab `name` up (after removing what an earlier run left) and connects to node 0. */
export async function openLabSession(opts: LabUpOptions): Promise<LabSession> {
  const lab = await labUp(opts);
  const pool = new SshPool();
  return { lab, node: lab.node(0), pool, host: pool.get(lab.sshHostConfig(0)) };
}

/** Closes the connections and deletes the lab; safe when `openLabSession` failed half-way. */
export async function closeLabSession(name: string, pool: SshPool | undefined): Promise<void> {
  await pool?.closeAll();
  await labDown(name);
}
