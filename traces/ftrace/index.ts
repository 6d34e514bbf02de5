/**
 * Reading ftrace/kprobe text output of a kernel running lib/test_hmm.c
 * (issue 8, `hmmcheck import ftrace`): line shapes, probe-typed values, and
 * who is who (processes, mirrors, mappings, buffers), and the mapping onto
 * hmmtrace v1 events (importer.ts, whose header holds the mapping table).
 */
export { isComment, parseLine, type FtraceLine, type Payload } from './line.js';
export { readSession, type Buffer, type Mapping, type Mirror, type Process, type Session } from './session.js';
export { decodeFields, hmmPfnWord, migratePfnWord, pagePointerToPfn, parseProbes, STRUCT_PAGE_SIZE, VMEMMAP_BASE, type Probe, type ProbeField, type Value } from './probes.js';
export { FtraceImporter, IMPORT_OBSERVED, type ImportSummary } from './importer.js';
export { DEFAULT_PROBES, importFtrace, importToFile, loadProbes, type ImportHeader, type ImportOptions } from './importFile.js';
export { Layout } from './layout.js';
export { CaptureCheck, isLostLine, type CaptureReport } from './capture.js';
