/** @scanselect/server — for now the command-line program; the HTTP service follows (issue 5). */
export { main, buildProgram } from './cli/main';
