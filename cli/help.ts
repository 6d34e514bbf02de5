/**
 * `--help` texts: every verb, with an example that works from a checkout.
 */
export const GLOBAL_HELP = `hmmcheck: a model checker and trace verifier for Linux HMM
(hmm_range_fault, mmu interval notifiers, migrate_vma).

usage: hmmcheck <verb> [options]        (from a checkout: npm run -s hmmcheck -- <verb> ...)

verbs:
  check        exhaustively check a configuration, print the shortest counterexample
  simulate     random walks with fast-check, shrinking the first that breaks an invariant
  replay       validate a recorded trace (hmmtrace v1, or a kernel's ftrace text): valid, or where and why not
  import       turn a kernel trace (ftrace/kprobe text of lib/test_hmm.c) into hmmtrace v1
  report       render a result saved by check or replay (text, markdown, html)
  merge        one verdict from the results of check --shard i/N (swarm shards)
  presets      list the named configurations
  variants     list the bug variants (real kernel and driver bugs the checker must find)
  invariants   list the invariants, with their ids and sentences
  kernels      list the kernel versions and every behaviour that differs between them
  drivers      list the drivers (reference, test_hmm, any) and what each does where they differ

common options:
  --json             one JSON object on standard output, nothing else there
  --out FILE         write the JSON result to FILE too
  --format FORMAT    text (default; colour on a terminal unless NO_COLOR), markdown or html
  --quiet            no progress lines on standard error
  --help             help for a verb: hmmcheck check --help

exit status: 0 verified, 1 violation found, 2 bad usage or input, 3 incomplete
(a bound or Ctrl-C stopped it first). Never 0 unless the whole space was covered.

examples:
  hmmcheck check                                  # preset small, the unmodified model
  hmmcheck check --preset tiny --variant D1       # rediscover a driver that skips read_retry
  hmmcheck check --config my-world.json --json
  hmmcheck replay run.jsonl.gz
  hmmcheck check --variant D1 --out d1.json; hmmcheck report d1.json --format markdown
`;

export const VERB_HELP: Record<string, string> = {
  check: `usage: hmmcheck check [--preset NAME | --config FILE] [--variant ID ...] [options]

Explores every interleaving of the configuration's threads (breadth-first, so
the first counterexample is a shortest one) and checks every invariant in
every reachable state. Prints the verdict, the counterexample step by step
(thread, kernel step, arguments, what changed) and statistics.

Livelocks (LIVE-1): once the whole space is covered without a violation, the
graph of states is searched for a cycle, fair to every thread (weak
fairness: each one steps on it or is disabled somewhere on it), on which a
thread that can always take a step never finishes the operation it started.
One is printed as a lasso: the steps that reach the cycle, then the cycle.
Frame symmetry and fingerprints keep it sound (they merge only states that
behave alike; a hash collision could, with the odds printed, merge two).
It does not run with --bitstate, on a search cut short (by a budget, as
swarm shards are) or stopped at an earlier violation, or with --no-liveness:
the report then says "LIVE-1 not checked" and why. Workers and a resumed
checkpoint keep the graph. There is no partial-order reduction.

options:
  --preset NAME       a named configuration (default small; see hmmcheck presets)
  --config FILE       a configuration file (JSON; schema model/config.schema.json)
  --variant ID        turn on a bug variant (repeatable, or comma-separated)
  --kernel V          the kernel version whose behaviour the model follows:
                      6.1, 6.12, 6.15 or latest (default; overrides the
                      configuration's kernel; hmmcheck kernels says what differs)
  --driver NAME       every device's driver: reference (default) or test_hmm
                      (overrides the configuration's; hmmcheck drivers)
  --max-states N      stop with outcome incomplete after N distinct states
  --max-seconds S     stop with outcome incomplete after S seconds
  --max-depth N       do not explore beyond N steps (outcome incomplete if cut)
  --strategy bfs|dfs  search order (default bfs: shortest counterexamples)
  --no-symmetry       count states that differ only in which frame of a kind
                      holds what as different (symmetry is on by default
                      where it holds: not in worlds that fork or evict)
  --no-liveness       skip the livelock search (LIVE-1) and the graph it
                      records (about 30 to 45 bytes per state)
  --exact             store whole states instead of 64-bit fingerprints (no
                      chance of a hash collision; slower, several times the
                      memory). The report prints the collision odds otherwise.
  --trace-out FILE    write the first counterexample as an hmmtrace v1 file
  --workers N         expand states on N threads, the main thread and N - 1
                      workers (breadth-first only), once the search has run
                      8 s with an idle core for them; the same counts, verdict
                      and counterexample as one
  --checkpoint FILE   save the search's progress to FILE every
                      --checkpoint-every S seconds (default 60) and when it
                      stops early (Ctrl-C, --max-seconds, --max-memory)
  --resume FILE       go on from a checkpoint of the same configuration and
                      variants: the same counts and verdict as a run that
                      never stopped
  --max-memory MiB    stop with outcome incomplete (and the summary so far)
                      before the process grows past MiB resident; at least
                      32 MiB above what hmmcheck holds when the search
                      starts (about 100 MiB; a lower value says how much)
  --shard i/N         one of N diversified searches (swarm): shard 0 is the
                      plain breadth-first search, the others search
                      depth-first with the action order shuffled by seed i;
                      give each a budget (--max-seconds) and --out, then
                      hmmcheck merge the results
  --bitstate MiB      store states as bits in a table of MiB (SPIN's
                      supertrace): a fixed memory, but states may be dropped,
                      so the outcome is never ok, only violated or incomplete
  --format FORMAT     text (default), markdown or html; text and markdown start each counterexample
                      with its race diagram (one column per thread, only the
                      steps on the pages and frames involved)
  --json, --out FILE, --quiet

examples:
  hmmcheck check --preset small
  hmmcheck check --preset small --variant D1 --json
  hmmcheck check --variant B3 --trace-out b3.jsonl
`,
  replay: `usage: hmmcheck replay TRACE [--variant ID ...] [options]

Replays a trace recorded by another implementation (a kernel with a driver, a
simulator, or hmmcheck's own counterexamples) against the model. TRACE is a
.jsonl or .jsonl.gz file in hmmtrace v1, or - for standard input. A kernel
trace in ftrace text (see hmmcheck import --help) is imported first; line
numbers are then those of the import, and each event's note names its ftrace
line. An imported kernel trace is replayed page by page. Steps the
trace does not log (header "observed", or by default the event names that
appear in it) may happen between its events; core-kernel events must be what
the model does, driver events are taken as logged and judged by the
invariants. Prints valid, or the first line no explanation allows (with the
reason and what the model allows there), or the line after which every
explanation breaks an invariant. A line longer than --max-line-bytes, or
gzip data that inflates more than 200 times once past 64 MiB (a gzip bomb),
is bad input (exit 2) at the line reached.

options:
  --variant ID             judge under a bug variant (also from the header)
  --kernel V               judge under this kernel version (overrides the header's kernel; default latest)
  --driver NAME            judge every device under this driver: reference, test_hmm or any (overrides the
                           header's driver; default: the header's, else any, whose steps are taken as recorded)
  --max-candidates N       stop with incomplete if more than N model states explain the prefix (default 100000)
  --max-hidden-depth N     stop with incomplete if more than N unlogged steps are needed in a row (default 256)
  --lookahead N            events read ahead to learn each thread's next event (default 4096)
  --format FORMAT          text (default), markdown or html
  --probes FILE            the kprobe_events of a kernel trace in ftrace text (default: Linux 6.1's)
  --max-line-bytes N       refuse a line longer than N bytes (default 8388608, 8 MiB)
  --json, --out FILE, --quiet

exit status: 0 valid, 1 invalid, 2 bad input (file:line: field: expected X, found Y), 3 incomplete

examples:
  hmmcheck replay ../shared/traces/retry-ignored.invalid.jsonl
  hmmcheck replay ../shared/kernel-traces/linux-6.1/hmm.hmm_device_private.anon_read.trace.txt.gz
  hmmcheck check --variant D1 --trace-out d1.jsonl; hmmcheck replay d1.jsonl
`,
  import: `usage: hmmcheck import ftrace FILE [--out TRACE] [--probes FILE] [--json]

Reads the ftrace text output (the tracefs trace file, or trace-cmd report) of
a kernel running the HMM test driver lib/test_hmm.c with kprobe events on the
HMM functions, plain, .gz or - for standard input, and writes hmmtrace v1 to
TRACE (default: standard output). Task pids become tids, each test's mmap'ed
buffers page indices, struct page pointers and pfn words pfns, each dmirror
open file a device (dmirror0, dmirror1, ...). The header's "observed" lists
what the probe set sees; the rest (mmu_interval_read_retry is inline, the
driver mutex, CPU loads and stores, array entries past the 8 a probe fetches)
is left to replay. The mapping table is in traces/ftrace/importer.ts. The
header names the driver, "test_hmm" (lib/test_hmm.c as shipped; hmmcheck
drivers), and the kernel (--kernel below), which replay judges it under.

A test case outside what the model covers (file-backed or shared memory,
hugetlbfs, THP, PROT_NONE, madvise other than DONTNEED) stops the import at
its first such line: the trace so far is written, the header says where and
why, and replay judges it incomplete. A summary goes to standard error.

A capture that is not whole gets no verdict: fewer event lines than its
header's entries-in-buffer, entries-written above entries-in-buffer (the ring
buffer overwrote events), a "CPU:n [LOST k EVENTS]" line, no HMMTEST_BEGIN or
HMMTEST_END marker, or no entries-in-buffer header. import exits 3 saying why
(it imports nothing if events were lost, what the file holds if it was cut
short), and replay says incomplete whatever those events replay to.

options:
  --out FILE       write the trace there instead of standard output
  --probes FILE    the kprobe_events the kernel was traced with (default: the
                   Linux 6.1 set in traces/ftrace/kprobe_events.linux-6.1.txt;
                   offsets are kernel-build specific, see the README)
  --json           the summary as one JSON object on standard output (needs --out)
  --quiet          no summary
  --max-line-bytes N
                   refuse a line longer than N bytes (default 8388608, 8 MiB)
  --kernel V       the kernel the capture ran on, written into the header
                   (default 6.1 with the default probe set; hmmcheck kernels)

exit status: 0 imported, 2 bad input (file:line: field: expected X, found Y;
an unknown event or a malformed line), 3 stopped outside the model, or the
capture is not whole

examples:
  hmmcheck import ftrace trace.txt.gz --out anon_read.jsonl && hmmcheck replay anon_read.jsonl
  cat /sys/kernel/tracing/trace | hmmcheck import ftrace - > run.jsonl
`,
  merge: `usage: hmmcheck merge RESULT.json ... [--json]

Combines the results of swarm shards (hmmcheck check --shard i/N --out
RESULT.json, each under its own budget) of one configuration and variants:
violated if any shard found a violation (the shortest counterexample per
invariant, with the file that has it), ok only if one shard on its own covered
the whole state space, incomplete otherwise. Shards that each stopped early
never add up to ok: their searches overlap and nothing records what none of
them reached. Lists each shard, and the step kinds no shard fired.

example:
  for i in 0 1 2 3; do hmmcheck check --preset small --shard $i/4 --max-seconds 600 --out shard-$i.json; done
  hmmcheck merge shard-*.json
`,
  report: `usage: hmmcheck report RESULT.json [--format text|markdown|html] [--out FILE]

Renders a result saved by check or replay (--out FILE, or --json redirected)
exactly as the verb would print it with --format: text for a terminal
(colour unless piped or NO_COLOR is set), markdown for a bug report or a
patch cover letter, or html: one self-contained page with a lane per thread,
each step's diff, immer patches and full state on click. --out writes the
rendering to FILE instead.

exit status: 0 rendered, 2 not a saved result (file:1: field: expected X, found Y)

examples:
  hmmcheck check --preset tiny --variant D1 --out d1.json
  hmmcheck report d1.json --format markdown --out d1.md
  hmmcheck report d1.json --format html --out d1.html
`,
  simulate: `usage: hmmcheck simulate [--preset NAME | --config FILE] [--variant ID ...] [options]

Random walks of the configuration: at each state a random enabled step.
fast-check generates the walks and shrinks the first one that breaks an
invariant (or deadlocks) to a simpler walk (earlier choices, fewer steps).
Prints it like check, with the seed and a command that repeats the run.
Finding nothing is incomplete (exit 3): random walks prove nothing.

options:
  --preset NAME, --config FILE, --variant ID, --kernel V, --driver NAME   as for check
  --runs N            walks to try (default 10000)
  --depth N           steps per walk at most (default 200)
  --seed S            fast-check seed (default: random, printed)
  --trace-out FILE    write the counterexample as an hmmtrace v1 file
  --format FORMAT     text (default), markdown or html
  --json, --out FILE, --quiet

examples:
  hmmcheck simulate --variant D3
  hmmcheck simulate --preset fork --runs 50000 --depth 300
`,
  presets: `usage: hmmcheck presets [--json]\n\nLists the named configurations, one per line with a sentence.\n\nexample:\n  hmmcheck presets\n`,
  variants: `usage: hmmcheck variants [--json]\n\nLists the bug variants: id, level, the invariants its counterexample must\nviolate, and what the switch does.\n\nexample:\n  hmmcheck variants\n`,
  invariants: `usage: hmmcheck invariants [--json]\n\nLists the invariants: id and sentence (MODEL.md section 3).\n\nexample:\n  hmmcheck invariants\n`,
  drivers: `usage: hmmcheck drivers [--json]\n\nLists the drivers the model knows (check and simulate take --driver NAME,\nreplay too; a configuration takes "driver", for all devices or per device,\nand a trace header "driver"), each with the kernel files it follows and\nwhat it does at every point where drivers differ (model/drivers). any is\nfor replay only: its steps are taken as the trace records them.\n\nexample:\n  hmmcheck drivers\n  hmmcheck check --preset migrate --driver test_hmm\n`,
  kernels: `usage: hmmcheck kernels [--json]\n\nLists the kernel versions the model follows (check, simulate and replay take\n--kernel V; a configuration and a trace header take "kernel"), each with its\nchoice of every core-kernel behaviour that differs between versions, then\nthose behaviours with the release and commit where each changed\n(model/kernel/versions.ts).\n\nexample:\n  hmmcheck kernels\n  hmmcheck check --preset cpu-faults --kernel 6.1\n`,
};
