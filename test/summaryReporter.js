'use strict';
/**
 * Jest reporter that ends the run with one plain line, `tests: N passed, N failed, N skipped`,
 * so that CI logs can be read the same way whatever the runner.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const line = `tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped`;
    process.stdout.write(`\n${line}\n`);
  }
}
module.exports = SummaryReporter;
