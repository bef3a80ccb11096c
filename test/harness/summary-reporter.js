/**
 * Prints one closing line in the plain form "tests: N passed, N failed, N skipped" after jest's own
 * summary, so that any CI reading the log can count the tests.
 */
class SummaryReporter {
	onRunComplete(_contexts, results) {
		const skipped = results.numPendingTests + results.numTodoTests;
		process.stdout.write(
			`\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`,
		);
	}
}

module.exports = SummaryReporter;
