/** The listing's columns (`print/sockets.ts` `Columns`) as the options choose them. */
import type { Options } from '../options';
import type { Columns } from '../../print/sockets';

export function columnsOf(o: Options): Columns {
  return {
    extended: o.extend >= 2,
    programs: o.programs,
    timers: o.timers,
    wide: o.wide,
    numericHosts: o.numericHosts,
    numericPorts: o.numericPorts,
    numericUsers: o.numericUsers,
  };
}
