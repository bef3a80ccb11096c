/**
 * Runs `worker` over `items` with at most `limit` calls in flight, and resolves with the results in
 * input order. A rejection from any call rejects the whole run (calls already started go on).
 *
 * @param items what to process
 * @param limit the most calls at once (at least 1)
 * @param worker called with each item and its index
 */
export async function mapLimited<T, R>(
	items: readonly T[],
	limit: number,
	worker: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
	const results = new Array<R>(items.length);
	let next = 0;
	const run = async (): Promise<void> => {
		while (next < items.length) {
			const index = next++;
			results[index] = await worker(items[index], index);
		}
	};
	const lanes = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
	await Promise.all(Array.from({ length: lanes }, run));
	return results;
}
