/**
 * Where the model once disagreed with every kernel (kernel-audit.md section
 * 2), each pinned against the kernel line it now follows.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWorld, type HmmAction, type HmmState } from '../../model/index.js';
import { shortestTo } from '../helpers/hmm.js';

test("R4, mm/hmm.c hmm_vma_handle_pte:250-257: the caller's own read-only device-private page comes back valid without HMM_PFN_WRITE, never -EPERM", () => {
  // A page migrated to the device, then mprotect(PROT_READ), then a device write (the audit's interleaving).
  const w = buildWorld({
    pages: 1,
    systemFrames: 2,
    devices: [{ frames: 1 }],
    actors: [
      { kind: 'cpu', ops: { cpu_write: 1, mprotect: 1 } },
      { kind: 'device', name: 'mig0', ops: { migrate_to_device: 1 } },
      { kind: 'device', name: 'gpu0', ops: { device_write: 1 } },
    ],
  });
  const ownReadOnly = (b: HmmState, a: HmmAction): boolean => {
    if (a.k !== 'hmm_range_fault' || !a.write) return false;
    const pte = b.mms[a.mm!]!.pte[a.start!]!;
    return pte.k === 'devpriv' && b.mms[a.mm!]!.vma[a.start!] === 'r';
  };
  const found = shortestTo(w, (b, a) => ownReadOnly(b, a) && a.result === 'ok' && a.pfns!.length === 1 && a.pfns![0]!.w === false);
  assert.ok(found, 'hmm_range_fault returns the page, read-only');
  assert.is(shortestTo(w, (b, a) => ownReadOnly(b, a) && a.result === 'EPERM'), null, 'never -EPERM for it');
  // dmirror_do_fault (lib/test_hmm.c:280) then gives up with -EFAULT rather than map it read-only.
  const gaveUp = shortestTo(w, (b, a) => a.k === 'driver_unlock' && a.result === 'EFAULT' && b.mms[0]!.vma[0] === 'r');
  assert.ok(gaveUp);
  // A page that needs a write fault in the read-only VMA is still -EPERM (hmm_vma_fault, mm/hmm.c:73-76).
  assert.ok(shortestTo(w, (b, a) => a.k === 'hmm_range_fault' && a.result === 'EPERM' && b.mms[0]!.pte[0]!.k === 'present'));
});

test.run();
