/**
 * Reading ftrace/kprobe text output of a kernel running lib/test_hmm.c
 * (issue 8, `hmmcheck import ftrace`): line shapes, probe-typed values, and
 * who is who (processes, mirrors, mappings, buffers). The mapping onto
 * hmmtrace events is not written yet.
 */
export { isComment, parseLine, type FtraceLine, type Payload } from './line.js';
export { readSession, type Buffer, type Mapping, type Mirror, type Process, type Session } from './session.js';
export { decodeFields, hmmPfnWord, migratePfnWord, pagePointerToPfn, parseProbes, STRUCT_PAGE_SIZE, VMEMMAP_BASE, type Probe, type ProbeField, type Value } from './probes.js';
