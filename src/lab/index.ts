/** Real test hosts on this machine: lab nodes (namespace + sshd) and VMs (namespace + DHCP client). */
export { Lab, labUp, labDown, loadLab, labStatus, type LabUpOptions, type LabLoginOptions, type LabStatus, type RebootReport, type NodeContainerStatus } from './lab';
export { LabVm } from './vm';
export { DhcpProber, summarise, formatReport, type ProberOptions, type ProbeAttempt, type ProbeReport } from './prober';
export { LabError, type CommandResult } from './exec';
export type { LabNode, LabFile, LabSwitch, DhcpLease } from './types';
export { defaultLabDir, checkLabName } from './naming';
export { labUnavailableReason, vlanUnavailableReason, systemdNodeUnavailableReason } from './tools';
export { ensureRootImage, IMAGE_CACHE_DIR, type RootImage } from './image';
export { SUDO_USER, PASSWORD_SUDO_USER } from './users';
