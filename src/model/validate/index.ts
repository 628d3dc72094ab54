/**
 * Validation of the model (src/model/types.ts): neutron networks, subnets, ports and the DHCP
 * agent's options, by neutron's API rules and by how dnsmasq reads the files written from them.
 * It knows nothing of nodes, specs or constructs and is shared by every entry: the constructs
 * (constructs/validation.ts turns its issues into synth-time errors naming the construct), the
 * agent (src/agent/validate-spec.ts adds what a handler spec for one node needs: DHCP port,
 * attachment, node settings), the provider's resources and the CLI.
 *
 * Every function collects all problems (never stops at the first) as `ValidationIssue`s with
 * camelCase paths relative to the validated value (`subnets[0].cidr`,
 * `ports[2].fixedIps[0].ipAddress`); `toSnakeCasePath` turns them into the JSON names users
 * wrote. The `assert…` variants throw one `ValidationError` carrying every issue.
 *
 * Besides neutron's own API rules, values are checked against how dnsmasq 2.90 reads the
 * files this project writes (dhcp-hostsfile, dhcp-optsfile): dnsmasq reads them a line at a
 * time into a 1025-byte buffer, removes `"` (quoting), turns whitespace into spaces, strips
 * leading/trailing spaces, starts a comment at a `#` that follows whitespace, maps other
 * control bytes to unrelated characters, and in a hostsfile takes a bare number (`600`,
 * `10m`), `infinite`, `ignore` or a dotted quad in the name field as a lease time, a flag or
 * an address. Anything that would be read differently from what was meant is refused here,
 * rather than silently changed later.
 */
export { type Check, pathJoin, pathIndex, toSnakeCasePath, assertNoIssues } from './issues';
export { SAFE_TEXT_RULE, findUnsafeChar, type SafeTextOptions, checkSafeText } from './text';
export { checkId, checkMac, checkHostname, checkDomain, checkFqdn } from './names';
export { checkIp, checkCidr } from './addresses';
export {
  CLIENT_ID_OPT_NAMES,
  isClientIdOpt,
  checkDhcpOptName,
  checkDhcpOptValue,
  DNSMASQ_MAX_LINE_BYTES,
  MAX_CLIENT_ID_CHARS,
  checkClientIdValue,
} from './dhcp-opts';
export { checkMtu, checkLeaseDuration } from './numbers';
export { validateSubnet } from './subnets';
export { MAX_EXTRA_DHCP_OPTS, validatePort, type PortRules } from './ports';
export { MAX_NETWORK_CONFIG_BYTES, MAX_PUBLIC_KEYS, MAX_USER_DATA_BYTES, metadataIssues } from './port-metadata';
export { validateNetwork } from './networks';
export { checkStatePath, checkUnixUser, checkNodeHost, checkInterfaceName, validateAgentOptions } from './agent-options';
export { checkMetadataBackendUrl, checkMetadataBackendSocket, validateMetadata } from './metadata';
export { assertValidNetwork, assertValidSubnet, assertValidPort, assertValidAgentOptions } from './assert';
