import type { CompletionStrategy } from './types';

/** "Don't Wait": every created task is output at once, as the API described it on creation. */
export const none: CompletionStrategy = {
	async complete(_run, created, report) {
		for (const entry of created) await report(entry.itemIndex, { kind: 'task', task: entry.task });
		return 'done';
	},
};
