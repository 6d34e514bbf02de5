/**
 * Which driver a trace is judged under (MODEL.md section 7): replay
 * --driver, else the header's `driver` (one name for every device, or a list
 * with one per device of the trace's world), else the drivers its header
 * configuration names, else `any`: a trace that names no driver comes from
 * an implementation hmmcheck does not know, so its driver's steps are taken
 * as recorded and the invariants judge them.
 */
import { DRIVER_NAMES, findDriver, REPLAY_DEFAULT_DRIVER, type Config } from '../../model/index.js';
import { TraceInputError } from '../errors.js';

const known = `a driver hmmcheck knows: ${DRIVER_NAMES.join(', ')} (see hmmcheck drivers), or --driver`;

/** The header's `driver` checked: a known name, or a list of them. Throws at the header's line. */
export function checkHeaderDriver(file: string, line: number, driver: unknown): void {
  if (driver === undefined) return;
  const names = Array.isArray(driver) ? driver : [driver];
  if (Array.isArray(driver) && driver.length === 0) throw new TraceInputError(file, line, 'driver', `${known}, or a non-empty list of them (one per device)`, '[]');
  for (const n of names) {
    if (typeof n !== 'string' || !findDriver(n)) throw new TraceInputError(file, line, 'driver', known, JSON.stringify(n));
  }
}

/** The configuration with every device's driver set as the trace says. */
export function withTraceDrivers(file: string, line: number, base: Config, driver: unknown): Config {
  checkHeaderDriver(file, line, driver);
  // A list of one name is that name for every device, whatever world (a page's, replayed alone) the trace gets.
  if (Array.isArray(driver) && driver.every((n: unknown) => n === (driver as unknown[])[0])) driver = driver[0] as unknown;
  if (Array.isArray(driver)) {
    if (driver.length !== base.devices.length) {
      throw new TraceInputError(file, line, 'driver', `one driver per device of the trace's world (${base.devices.length}), or one name for all`, `a list of ${driver.length}`);
    }
    return { ...base, driver: undefined, devices: base.devices.map((d, i) => ({ ...d, driver: driver[i] as string })) } as Config;
  }
  if (typeof driver === 'string') return { ...base, driver, devices: base.devices.map(({ driver: _, ...d }) => d) };
  const named = base.driver !== undefined || base.devices.some((d) => d.driver !== undefined);
  return named ? base : { ...base, driver: REPLAY_DEFAULT_DRIVER };
}
