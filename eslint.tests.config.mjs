import tseslint from 'typescript-eslint';

/**
 * typescript-eslint's recommended rules over the tests and scripts (the package's own sources are
 * linted by eslint.config.mjs with n8n's community node rules). Run with `npm run lint:tests`.
 */
export default tseslint.config(
	{
		ignores: [
			'dist/**',
			'node_modules/**',
			'.cache/**',
			'coverage/**',
		],
	},
	{
		files: ['test/**/*.{ts,js,mjs}', 'scripts/**/*.{ts,js,mjs}'],
		extends: [tseslint.configs.recommended],
		rules: {
			// Unused arguments and caught errors are kept where they name a callback's shape.
			'@typescript-eslint/no-unused-vars': [
				'error',
				{ argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
			],
		},
	},
	{
		// CommonJS files (jest reporters) export with module.exports.
		files: ['**/*.js'],
		languageOptions: { sourceType: 'commonjs' },
	},
);
