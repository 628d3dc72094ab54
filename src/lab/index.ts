/** Real test hosts on this machine: lab nodes (namespace + sshd) and VMs (namespace + DHCP client). */
export { Lab, labUp, labDown, loadLab, labStatus, type LabUpOptions, type LabLoginOptions, type LabStatus } from './lab';
export { LabVm } from './vm';
export { LabError } from './exec';
export type { LabNode, LabFile, DhcpLease } from './types';
export { defaultLabDir, checkLabName } from './naming';
export { labUnavailableReason } from './tools';
export { SUDO_USER, PASSWORD_SUDO_USER } from './users';
