/**
 * The core kernel as the model has it: the version table (versions.ts), one
 * rule per kernel step (rules/: mm, mmu_notifier, hmm, migrate_device,
 * memremap, rmap, memcg, the CPU's faults and TLB) and the programs that say
 * which kernel step a thread takes next (programs/). Drivers are apart, in
 * ../drivers; the table joining both is ../steps.ts.
 */
export { choiceIn, DEFAULT_KERNEL, isKernelVersion, KERNEL_RULES, kernelBehaviour, KERNELS, type KernelBehaviour, type KernelRule, type KernelVersion } from './versions.js';
