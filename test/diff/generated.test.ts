// Differential suite: generated argument lists (cases/generated.ts) against /usr/bin/netstat.
import { generatedCases } from './cases/generated';
import { differentialSuite } from './suite';

differentialSuite('generated argument lists match net-tools byte for byte', generatedCases());
