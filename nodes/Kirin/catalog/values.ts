import { InputRuleError } from './inputRuleError';

/**
 * Readers of raw parameter values as expressions deliver them (a sheet gives `"5"`, `5`, `"true"`,
 * `"on"`...): each returns the normalised value, undefined for an empty one, or throws an
 * {@link InputRuleError} naming the field.
 */

/** Text: strings as they are, numbers and booleans as text; empty means unset. */
export function text(field: string, value: unknown): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	if (typeof value === 'string') return value;
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	throw new InputRuleError(field, `${field} must be text, got ${typeof value}`);
}

/**
 * One of `options`, matched exactly, then without case and spaces, then by label (`Professional`
 * for `pro`, `5 seconds` for `5`).
 *
 * @param labels display names by value
 */
export function choice(
	field: string,
	value: unknown,
	options: readonly string[],
	labels: (value: string) => string = (option) => option,
): string | undefined {
	const given = text(field, value)?.trim();
	if (given === undefined || given === '') return undefined;
	if (options.includes(given)) return given;
	const plain = (entry: string) => entry.toLowerCase().replace(/\s+/g, '');
	const match = options.find(
		(option) => plain(option) === plain(given) || plain(labels(option)) === plain(given),
	);
	if (match !== undefined) return match;
	throw new InputRuleError(field, `${field} must be one of ${options.join(', ')}; got "${given}"`);
}

/** On/off: booleans, `true`/`false`, `on`/`off` (any case). */
export function flag(field: string, value: unknown): boolean | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	if (typeof value === 'boolean') return value;
	const given = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
	if (given === 'on' || given === 'true') return true;
	if (given === 'off' || given === 'false') return false;
	throw new InputRuleError(
		field,
		`${field} must be true or false (or on/off); got "${String(value)}"`,
	);
}

/**
 * A number: numbers as they are, decimal text strictly (`"0.5"`, not `"  "`, `true` or `[]`).
 */
export function number(field: string, value: unknown): number | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	let parsed = Number.NaN;
	if (typeof value === 'number') parsed = value;
	else if (
		typeof value === 'string' &&
		/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)
	) {
		parsed = Number(value);
	}
	if (!Number.isFinite(parsed)) {
		throw new InputRuleError(field, `${field} must be a number; got "${String(value)}"`);
	}
	return parsed;
}

/** Length in characters as a person counts them (Unicode code points, not UTF-16 units). */
export function characters(value: string): number {
	return [...value].length;
}

/** Throws when `value` is longer than `limit` characters. */
export function maxLength(field: string, value: string | undefined, limit: number): void {
	if (value !== undefined && characters(value) > limit) {
		throw new InputRuleError(
			field,
			`${field} is ${characters(value)} characters long; the limit is ${limit}`,
		);
	}
}
