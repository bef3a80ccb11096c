/** Jest runs the TypeScript tests with ts-jest; the node under test is the built package in dist/. */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	// The built node and the harness must share one copy of n8n-workflow.
	modulePaths: ['<rootDir>/node_modules'],
	setupFiles: ['<rootDir>/test/harness/quiet.ts', '<rootDir>/test/harness/setup.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json', diagnostics: false }],
	},
	reporters: ['default', '<rootDir>/test/harness/summary-reporter.js'],
	testTimeout: 60_000,
	maxWorkers: 2,
};
