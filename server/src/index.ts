/** @scanselect/server — the service, its command-line program, and the types of its REST API. */
export { main, buildProgram } from './cli/main';
export type * from './apiTypes';
export { createServer, type ScanSelectServer, type ServerOptions } from './server';
