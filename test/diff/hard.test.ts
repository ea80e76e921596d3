// Differential suite: hard inputs (issue 12) -- remote port 0 under -l, long -A arguments, write errors.
import { hardCases } from './cases/hard';
import { differentialSuite } from './suite';

differentialSuite('netstat on hard inputs matches net-tools byte for byte', hardCases());
