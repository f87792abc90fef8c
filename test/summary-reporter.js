// Ends the run with the skipped tests by name (their names carry the reason, e.g. no Docker engine)
// and one plain line, "jest: N passed, N failed, N skipped", that any CI can read.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.testResults.flatMap((file) =>
      file.testResults.filter((test) => test.status === 'pending' || test.status === 'todo').map((test) => test.fullName),
    );
    for (const name of skipped) process.stdout.write(`\nSKIPPED: ${name}`);
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    process.stdout.write(`\njest: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped\n`);
  }
}
module.exports = SummaryReporter;
