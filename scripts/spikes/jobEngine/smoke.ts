import { withPostgres, query } from './pg';
withPostgres(async (url) => { console.log(url, await query(url, 'select version()')); }).catch((e) => { console.error(e); process.exit(1); });
