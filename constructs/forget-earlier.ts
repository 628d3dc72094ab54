/**
 * Terraform `removed` blocks (`lifecycle { destroy = false }`) for resources a construct made
 * in an earlier version of the stack and no longer makes, so that Terraform forgets them
 * instead of destroying them: a port that moves into its network (`portsInline`) must not be
 * deleted from the node by its old `dhcpagent_port`'s destroy, since the network now keeps it.
 * A `removed` block for an address that is not in the state changes nothing.
 */
import { Lazy, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

const forgotten = new WeakMap<TerraformStack, string[]>();

/** The stack's id allocator, which names every resource of the stack (protected in cdktf's typings). */
interface LogicalIds {
  allocateLogicalId(node: Construct['node']): string;
}

/**
 * Tells Terraform to forget, without destroying, the resource of type `type` that a construct
 * with id `id` under `scope` was (its address as the stack names it).
 */
export function forgetEarlierResource(scope: Construct, id: string, type: string): void {
  const stack = TerraformStack.of(scope);
  // A plain construct stands at the path the resource had; synthesis ignores it.
  const placeholder = new Construct(scope, id);
  const address = `${type}.${(stack as unknown as LogicalIds).allocateLogicalId(placeholder.node)}`;
  let list = forgotten.get(stack);
  if (!list) {
    list = [];
    forgotten.set(stack, list);
    const all = list;
    stack.addOverride(
      'removed',
      Lazy.anyValue({
        produce: () => all.map((from) => ({ from, lifecycle: { destroy: false } })),
      }),
    );
  }
  list.push(address);
}
