// `npm run bench`: every benchmark, each printing its figures beside a baseline measured in
// the same run. `npm run bench -- --quick` for a shorter run.
import { benchFrontDoor } from './frontDoor.js';

const quick = process.argv.includes('--quick');
console.log(`aurora-local benchmarks on ${process.platform}/${process.arch}, node ${process.version}${quick ? ' (quick)' : ''}`);
await benchFrontDoor({ quick });
