// `npm run bench`: every benchmark, each printing its figures beside a baseline measured in
// the same run. `npm run bench -- --quick` for a shorter run; `-- --only=front-door|postgres|mysql|storage`.
import { benchFrontDoor } from './frontDoor.js';
import { benchMysql } from './mysql.js';
import { benchPostgres } from './postgres.js';
import { benchStorage } from './storage.js';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
console.log(`aurora-local benchmarks on ${process.platform}/${process.arch}, node ${process.version}${quick ? ' (quick)' : ''}`);
if (!only || only === 'front-door') await benchFrontDoor({ quick });
if (!only || only === 'postgres') await benchPostgres({ quick });
if (!only || only === 'mysql') await benchMysql({ quick });
if (!only || only === 'storage') await benchStorage({ quick });
