/**
 * What python-openstackclient 6.x prints for one network (`network show`, `subnet show`), shared
 * by the converter and construct tests.
 */
export const NET = '5a2f0d8e-3c41-4b6f-9e0a-7d1c2b3a4f50';
export const SUB4 = 'b7e3a9c2-1d4f-4e8a-9b6c-0f2e3d4c5b61';
export const SUB6 = 'c8f4b0d3-2e5a-4f9b-8c7d-1a3f4e5d6c72';
export const DHCP = 'f1c7e3a6-5b8d-4c2e-9f0a-4d6c7b8a9f05';
export const PROJECT = '0e4f7a2b9c3d4e5f8a1b2c3d4e5f6a7b';

// `openstack subnet show -f json`.
export const subnetShowV4 = {
  allocation_pools: [{ start: '10.0.0.2', end: '10.0.0.254' }],
  cidr: '10.0.0.0/24',
  created_at: '2024-05-02T09:12:44Z',
  description: '',
  dns_nameservers: ['8.8.8.8', '8.8.4.4'],
  dns_publish_fixed_ip: null,
  enable_dhcp: true,
  gateway_ip: '10.0.0.1',
  host_routes: [{ destination: '192.168.0.0/16', nexthop: '10.0.0.254' }],
  id: SUB4,
  ip_version: 4,
  ipv6_address_mode: null,
  ipv6_ra_mode: null,
  name: 'private-subnet',
  network_id: NET,
  project_id: PROJECT,
  revision_number: 0,
  segment_id: null,
  service_types: [],
  subnetpool_id: null,
  tags: [],
  updated_at: '2024-05-02T09:12:44Z',
};

// `openstack network show -f json`.
export const networkShow = {
  admin_state_up: 'UP',
  availability_zone_hints: [],
  availability_zones: ['nova'],
  created_at: '2024-05-02T09:10:00Z',
  description: '',
  dns_domain: 'example.org.',
  id: NET,
  ipv4_address_scope: null,
  ipv6_address_scope: null,
  is_default: null,
  is_vlan_transparent: null,
  mtu: 1450,
  name: 'private',
  port_security_enabled: true,
  project_id: PROJECT,
  'provider:network_type': 'vxlan',
  'provider:physical_network': null,
  'provider:segmentation_id': 1234,
  qos_policy_id: null,
  revision_number: 3,
  'router:external': 'Internal',
  segments: null,
  shared: false,
  status: 'ACTIVE',
  subnets: [SUB4, SUB6],
  tags: [],
  updated_at: '2024-05-02T09:12:44Z',
};
