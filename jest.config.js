/** Jest runs the TypeScript tests with ts-jest; the node under test is the built package in dist/. */
module.exports = {
	preset: 'ts-jest',
	testEnvironment: '<rootDir>/test/harness/environment.ts',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	// The built node and the harness must share one copy of n8n-workflow.
	modulePaths: ['<rootDir>/node_modules'],
	setupFiles: ['<rootDir>/test/harness/quiet.ts', '<rootDir>/test/harness/setup.ts'],
	// test/tsconfig.json sets isolatedModules: each file is transpiled on its own, without building a
	// type-checked program in every worker (`npm run typecheck` checks the types).
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json', diagnostics: false }],
	},
	reporters: ['default', '<rootDir>/test/harness/summary-reporter.js'],
	testTimeout: 60_000,
	maxWorkers: 2,
};
