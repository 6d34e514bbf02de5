/**
 * Does a model step say what a trace event says? Field by field, under the
 * bindings: identifiers must denote the same model objects, results must be
 * equal. Values the trace observes (what a load returned, what a store
 * wrote) are taken from the event instead: the invariants judge them.
 *
 * Returns the step to take with its bindings, or the first disagreement in
 * words, for the verdict.
 */
import { formatPfn, type HmmAction, type HmmState } from '../../model/index.js';
import { unifyPfn, unifySeq, type Bind } from './binding.js';
import { idKey } from './ids.js';
import type { ReplayWorld } from './replayWorld.js';

type Ev = Readonly<Record<string, unknown>> & { readonly ev: string; readonly tid: string };

export type Unified = { readonly action: HmmAction; readonly bind: Bind } | { readonly reason: string };

const show = (v: unknown): string => JSON.stringify(v);

export function unify(rw: ReplayWorld, b: Bind, e: Ev, a: HmmAction, s: HmmState): Unified {
  const free = (f: number): boolean => f !== 0 && s.frames[f]!.ref === 0;
  let bind = b;
  let action: HmmAction = a;
  const differ = (field: string, model: string): { reason: string } => ({
    reason: `${field}: the model has ${model}, the trace ${show(e[field])}`,
  });
  if ('mm' in e && a.mm !== undefined && rw.mmIndex.get(idKey(e['mm'])) !== a.mm) return differ('mm', `mm ${rw.mmKey[a.mm] ?? `(mm ${a.mm}, not named yet)`}`);
  if ('dev' in e && a.dev !== undefined && rw.devIndex.get(idKey(e['dev'])) !== a.dev) return differ('dev', `dev ${rw.devKey[a.dev] ?? `(dev ${a.dev}, not named yet)`}`);
  if ('child' in e && a.child !== undefined && rw.mmIndex.get(idKey(e['child'])) !== a.child) return differ('child', `mm ${rw.mmKey[a.child] ?? `(mm ${a.child}, not named yet)`}`);
  for (const f of ['page', 'start', 'end'] as const) {
    if (f in e && a[f] !== undefined && e[f] !== a[f]) return differ(f, `${a[f]}`);
  }
  if ('write' in e && a.write !== undefined && e['write'] !== a.write) return differ('write', `${a.write}`);
  if ('event' in e && a.event !== undefined && e['event'] !== a.event) return differ('event', `${a.event}`);
  if ((a.k === 'hmm_range_fault' || a.k === 'do_swap_page') && e['result'] !== a.result) {
    return { reason: `result: ${a.k} returns ${a.result ?? 'normally'} in the model, the trace says ${show(e['result'] ?? 'nothing')}` };
  }
  if (a.k === 'mprotect' && (e['prot'] === 'none') !== (a.prot === 'none')) {
    return { reason: `prot: the model's mprotect asks for ${a.prot === 'none' ? 'PROT_NONE' : 'access'}, the trace says prot ${show(e['prot'] ?? 'absent')}` };
  }
  if (a.k === 'hmm_range_fault' && (e['fault'] === false) !== (a.fault === false)) {
    return { reason: `fault: the model's hmm_range_fault ${a.fault === false ? 'faults nothing in (a snapshot)' : 'faults pages in'}, the trace says fault ${show(e['fault'] ?? true)}` };
  }
  if ('retry' in e && a.retry !== undefined && e['retry'] !== a.retry) {
    return { reason: `retry: mmu_interval_read_retry returns ${a.retry} in the model, the trace says ${show(e['retry'])}` };
  }
  if ('seq' in e && a.seq !== undefined) {
    const next = unifySeq(bind, idKey(e['seq']), a.seq);
    if (!next) {
      const known = bind.seqBack.get(a.seq);
      return {
        reason: known
          ? `seq: the model's sequence is the one the trace calls ${known}, not ${show(e['seq'])}`
          : `seq: ${show(e['seq'])} denotes sequence ${bind.seq.get(idKey(e['seq']))} of the model, which has moved on to ${a.seq}`,
      };
    }
    bind = next;
  }
  const pfnField = (field: string, model: number | null | undefined): { reason: string } | null => {
    if (!(field in e) || model === undefined) return null;
    const v = e[field];
    const next = unifyPfn(bind, v === null ? null : idKey(v), model, free);
    if (!next) {
      const bound = v === null ? undefined : bind.pfn.get(idKey(v));
      const what = model === null ? 'no page' : bind.frame.has(model) ? `pfn ${bind.frame.get(model)}` : `a page the trace has not named (${formatPfn(model)})`;
      const theirs = bound !== undefined ? ` (which the model knows as ${bind.frame.has(bound) ? `pfn ${bind.frame.get(bound)}` : formatPfn(bound)})` : '';
      return { reason: `${field}: the model has ${what}, the trace ${show(v)}${theirs}` };
    }
    bind = next;
    return null;
  };
  switch (a.k) {
    case 'do_anonymous_page':
    case 'do_wp_page': {
      const r = pfnField('pfn', a.pfn);
      if (r) return r;
      break;
    }
    case 'wp_page_copy': {
      const r = pfnField('src', a.src) ?? pfnField('dst', a.pfn);
      if (r) return r;
      break;
    }
    case 'hmm_range_fault': {
      const pfns = e['pfns'] as { page: number; pfn: unknown; write: boolean }[] | undefined;
      if (pfns && a.pfns) {
        for (const p of pfns) {
          const m = a.pfns.find((x) => x.page === p.page);
          const model = m ? m.pfn : null;
          const next = unifyPfn(bind, p.pfn === null ? null : idKey(p.pfn), model, free);
          if (!next) {
            const what = model === null ? 'no page' : bind.frame.has(model) ? `pfn ${bind.frame.get(model)}` : `a page the trace has not named yet`;
            return { reason: `pfns: for page ${p.page} hmm_range_fault reports ${what} in the model, the trace ${show(p.pfn)}` };
          }
          bind = next;
          if (m && p.pfn !== null && m.w !== p.write) {
            return { reason: `pfns: page ${p.page} is ${m.w ? '' : 'not '}writable (HMM_PFN_WRITE) in the model, the trace says write ${show(p.write)}` };
          }
        }
      }
      break;
    }
    case 'cpu_read':
    case 'cpu_write':
      action = { ...action, value: rw.values.toModel(e['value']) };
      break;
    case 'do_swap_page':
    case 'migrate_to_ram':
    case 'folio_free':
    case 'folio_put':
    case 'make_device_exclusive':
    case 'restore_exclusive_pte':
    case 'migrate_device_coherent_folio':
    case 'gup':
    case 'unpin_user_page':
    case 'alloc_page': {
      const r = pfnField('pfn', a.pfn);
      if (r) return r;
      break;
    }
    case 'migrate_copy': {
      const r = pfnField('src', a.pfn) ?? pfnField('dst', a.dst);
      if (r) return r;
      break;
    }
    case 'migrate_vma_setup': {
      const select = e['select'] as string[];
      const toDevice = select.includes('system');
      if (toDevice !== a.toDevice) return { reason: `select: the model migrates ${a.toDevice ? 'system memory to the device' : 'device memory back'}, the trace selects ${show(select)}` };
      for (const x of e['src'] as { page: number; pfn: unknown; migrate: boolean; write: boolean }[]) {
        const m = (a.mig ?? []).find((y) => y.page === x.page);
        if (!m) return { reason: `src: page ${x.page} is outside the migrated range in the model` };
        if (m.migrate !== x.migrate) {
          return { reason: `src: page ${x.page} is ${m.migrate ? 'collected for migration' : 'skipped'} in the model, the trace says migrate ${show(x.migrate)}` };
        }
        if (!m.migrate) continue;
        const next = unifyPfn(bind, x.pfn === null ? null : idKey(x.pfn), m.pfn, free);
        if (!next) return { reason: `src: page ${x.page}'s source is ${m.pfn === null ? 'empty' : bind.frame.has(m.pfn) ? `pfn ${bind.frame.get(m.pfn)}` : formatPfn(m.pfn)} in the model, the trace ${show(x.pfn)}` };
        bind = next;
      }
      break;
    }
    case 'migrate_vma_pages': {
      // Pages the recorder could not see commit as the model says.
      const unseen = new Set((e['unseen'] as number[] | undefined) ?? []);
      if (!('migrated' in e)) break;
      const want = (a.mig ?? []).filter((x) => x.migrate && x.dst !== null && !unseen.has(x.page)).map((x) => x.page);
      const got = [...(e['migrated'] as number[])].sort((x, y) => x - y);
      if (want.join() !== got.join()) {
        return { reason: `migrated: the model commits pages [${want.join(', ')}] here, the trace ${show(e['migrated'])}` };
      }
      break;
    }
    case 'invalidate': {
      // result false: the callback refused a non-blockable invalidation; absent, it did not.
      const refused = e['result'] === false;
      if (refused !== (a.refused === true)) {
        return { reason: `result: the callback ${a.refused ? 'refuses (L(d) is held, and the invalidation cannot sleep)' : 'returns true'} in the model, the trace says ${refused ? 'false' : 'true'}` };
      }
      if (e['cleared'] === false) action = { ...action, cleared: false };
      break;
    }
    case 'invalidate_range_start':
      if ((e['blockable'] === false) !== (a.blockable === false)) {
        return { reason: `blockable: the model's start is ${a.blockable === false ? 'non-blockable (the OOM reaper)' : 'blockable'}, the trace says ${show(e['blockable'] ?? true)}` };
      }
      break;
    case 'migrate_device_range':
    case 'migrate_device_pages': {
      // The device pages taken (or committed), as a set: each trace pfn is one of the model's.
      const model = (a.mig ?? []).filter((x) => a.k === 'migrate_device_range' || (x.migrate && x.dst !== null)).map((x) => x.pfn!);
      const theirs = e['pfns'] as unknown[];
      if (theirs.length !== model.length) {
        return { reason: `pfns: the model ${a.k === 'migrate_device_range' ? 'takes' : 'commits'} ${model.length} device page(s) here, the trace ${theirs.length}` };
      }
      const left = new Set(model);
      for (const v of theirs) {
        const bound = bind.pfn.get(idKey(v));
        const pick = bound !== undefined ? (left.has(bound) ? bound : undefined) : [...left].find((f) => !bind.frame.has(f));
        const next = pick === undefined ? null : unifyPfn(bind, idKey(v), pick, free);
        if (!next) return { reason: `pfns: ${show(v)} is not one of the device pages the model has in use here` };
        left.delete(pick!);
        bind = next;
      }
      break;
    }
    default:
      break;
  }
  return { action, bind };
}
