import tsParser from '@typescript-eslint/parser';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';

/** n8n's community node rules over the package's sources and package.json. */
export default [
	{ ignores: ['dist/**', 'node_modules/**', 'test/**', 'scripts/**', '.cache/**', 'coverage/**'] },
	{
		files: ['**/*.ts'],
		languageOptions: { parser: tsParser, parserOptions: { project: './tsconfig.json' } },
		...n8nCommunityNodesPlugin.configs.recommended,
	},
	{
		files: ['package.json'],
		// The package.json rules read the file as one object expression, as n8n's own config does.
		languageOptions: { parser: tsParser, parserOptions: { extraFileExtensions: ['.json'] } },
		...n8nCommunityNodesPlugin.configs.recommended,
	},
];
