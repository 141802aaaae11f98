'use strict';
// Prints "N passed, N failed" alone as the very last line of the run: the closing line CI
// reads. Jest's own summary is written after custom reporters run, so the line is written
// when the process exits, after everything else.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const tail = skipped > 0 ? `, ${skipped} skipped` : '';
    const line = `${results.numPassedTests} passed, ${failed} failed${tail}\n`;
    process.once('exit', () => {
      process.stdout.write(line);
    });
  }
}
module.exports = SummaryReporter;
