/** What the dead-node stack (main.ts) declares and its test (../dead-node.test.ts) checks. */
export const NETWORK_ID = '7a1c2e3f-4b5d-4c6e-8f70-8192a3b4c5d6';
export const GATEWAY = '172.16.30.1';
export const PORTS = [
  { id: 'vm1', mac: 'fa:16:3e:30:00:0a', ip: '172.16.30.10' },
  { id: 'vm2', mac: 'fa:16:3e:30:00:0b', ip: '172.16.30.11' },
] as const;
