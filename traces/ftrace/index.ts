/**
 * Reading ftrace/kprobe text output of a kernel running lib/test_hmm.c
 * (issue 8, `hmmcheck import ftrace`): line shapes and probe-typed values.
 * The mapping onto hmmtrace events is not written yet.
 */
export { isComment, parseLine, type FtraceLine, type Payload } from './line.js';
export { decodeFields, hmmPfnWord, migratePfnWord, pagePointerToPfn, parseProbes, STRUCT_PAGE_SIZE, VMEMMAP_BASE, type Probe, type ProbeField, type Value } from './probes.js';
