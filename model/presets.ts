/**
 * Named configurations (MODEL.md section 4). Their distinct-state counts are
 * pinned in the tests: a change that grows or shrinks a space shows up there.
 */
import type { Config } from './config.js';

export interface Preset {
  readonly name: string;
  readonly sentence: string;
  readonly config: Config;
}

export const PRESETS: readonly Preset[] = [
  {
    name: 'tiny',
    sentence: 'one page, one device, one device read racing one CPU write: checks in well under a second',
    config: {
      name: 'tiny',
      pages: 1,
      systemFrames: 2,
      devices: [{ frames: 1, owner: 'dmirror0' }],
      actors: [
        { kind: 'cpu', ops: { cpu_write: 1 } },
        { kind: 'device', ops: { device_read: 1 } },
      ],
    },
  },
  {
    name: 'small',
    sentence: 'two pages, one device with two frames, CPU reads, writes and an mprotect racing two device faults',
    config: {
      name: 'small',
      pages: 2,
      systemFrames: 4,
      devices: [{ frames: 2, owner: 'dmirror0' }],
      actors: [
        { kind: 'cpu', ops: { cpu_read: 1, cpu_write: 1, mprotect: 1 } },
        { kind: 'device', ops: { device_read: 1, device_write: 1 } },
      ],
    },
  },
  {
    name: 'migrate',
    sentence: 'one page, one device with one frame, a memcg limit of one page: a CPU writes, reads and pins it while the driver migrates it to device memory and a device fault races the migration',
    config: {
      name: 'migrate',
      pages: 1,
      systemFrames: 3,
      memcgLimit: 1,
      devices: [{ frames: 1, owner: 'dmirror0' }],
      actors: [
        { kind: 'cpu', ops: { cpu_read: 1, cpu_write: 1, gup: 1 } },
        { kind: 'device', ops: { device_read: 1 } },
        { kind: 'device', name: 'mig0', ops: { migrate_to_device: 1 } },
      ],
    },
  },
];

export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((p) => p.name === name);
}
