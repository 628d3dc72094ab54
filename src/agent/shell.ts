/**
 * The agent's node-side shell libraries (src/agent/sh), with the values they share with the
 * TypeScript set in front of them. See src/host/shell-files.ts for how the files are read.
 */
import { shellFile, shellVars } from '../host/shell-files';
import { EXIT_RETRY } from './script';

/** Functions every node-side script may use: `under_systemd`, `dnsmasq_version`, `file_sha`. */
export const COMMON_LIB = shellFile('agent/sh/common.sh');

/**
 * The functions of every per-network script (setup.sh, and what the network and port handlers
 * send, with the managed sidecars of sidecar.sh), after the network header (network-script.ts) or a port header (port.ts).
 */
export const NETWORK_LIB = shellVars({ EXIT_RETRY }) + COMMON_LIB + shellFile('agent/sh/network-lib.sh') + shellFile('agent/sh/sidecar.sh');

/** `check_state_path <state path>`: refuses a state path anyone but root could write to. */
export const STATE_PATH_LIB = shellFile('agent/sh/state-path.sh');
