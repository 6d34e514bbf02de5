/** Small configurations several tests share. */

/** Two pages, four system frames, one device of two frames; a CPU that writes and a device that reads (named cpu0 and gpu0). */
export const CPU_AND_GPU = {
  pages: 2,
  systemFrames: 4,
  devices: [{ frames: 2 }],
  actors: [
    { kind: 'cpu', name: 'cpu0', ops: { cpu_write: 1 } },
    { kind: 'device', name: 'gpu0', ops: { device_read: 1 } },
  ],
};
