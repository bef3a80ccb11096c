/**
 * JSON text of anything a run gives back (items, errors, run data), for searching it as text:
 * cycles are cut (`"[circular]"`) and an error keeps its own fields plus `name`, `message` and
 * `stack`, which `JSON.stringify` would drop.
 */
export function jsonText(value: unknown): string {
	const seen = new WeakSet<object>();
	return JSON.stringify(value, (_key, entry: unknown) => {
		if (entry && typeof entry === 'object') {
			if (seen.has(entry)) return '[circular]';
			seen.add(entry);
		}
		if (entry instanceof Error) {
			return { ...entry, name: entry.name, message: entry.message, stack: entry.stack };
		}
		return entry;
	});
}
