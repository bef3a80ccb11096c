import type { INodeProperties } from 'n8n-workflow';

import { fieldsOfParameter } from './fields';
import { MODELS } from './models';
import { PARAMETERS, type ParameterReader } from './parameters';
import type { KirinModel } from './types';

/** Display options conditions that only scope a field to the operation or to models. */
const SCOPE_KEYS = new Set(['operation', 'model']);

/** Whether two field values are the same (n8n parameter values: primitives, arrays, objects). */
function sameValue(a: unknown, b: unknown): boolean {
	return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Whether a field's own show conditions (other than operation and model) hold for the item. */
function conditionsHold(field: INodeProperties, valueOf: (name: string) => unknown): boolean {
	const show = (field.displayOptions?.show ?? {}) as Record<string, unknown[] | undefined>;
	return Object.entries(show).every(
		([name, allowed]) =>
			SCOPE_KEYS.has(name) || !Array.isArray(allowed) || allowed.includes(valueOf(name)),
	);
}

/**
 * The display names of the fields an item set that its model's page does not list, so they were not
 * sent (each page lists its own parameters; a parameter of another page is never sent). This is
 * what happens when Model is an expression and a sheet row carries, say, an image URL for a text to
 * video model: the row still gets its video, and the output names what was left out.
 *
 * A field counts as set when its value is neither empty nor its default (a value equal to the
 * default cannot be told from an unmapped field), and the fields it depends on select it (Image URL
 * needs Image Source URL). A field that selects others is named only for a value that selects none.
 *
 * @param model the item's model (from its Model value)
 * @param reader the item's node parameters, with expressions resolved
 * @param models the catalog whose fields the node shows (the node's own by default)
 * @returns display names in field order, e.g. `['Image URL', 'CFG Scale']`; empty when nothing was
 *   left out
 */
export function fieldsNotSent(
	model: KirinModel,
	reader: Pick<ParameterReader, 'get'>,
	models: readonly KirinModel[] = MODELS,
): string[] {
	const names: string[] = [];
	for (const definition of PARAMETERS) {
		if (model.parameters[definition.key] !== undefined) continue;
		const fields = fieldsOfParameter(definition, models);
		const defaults = new Map(fields.map((field) => [field.name, field.default]));
		const valueOf = (name: string) => reader.get(name) ?? defaults.get(name);
		const set = fields.filter((field) => {
			const value = reader.get(field.name);
			if (value === undefined || value === null || value === '') return false;
			return !sameValue(value, field.default) && conditionsHold(field, valueOf);
		});
		// A selector (Image Source) whose value picks another field (Image URL) speaks through that
		// field: it is named only for a value that picks none (a camera type other than Simple).
		const picksAnother = (selector: INodeProperties) =>
			fields.some(
				(field) =>
					field !== selector &&
					(field.displayOptions?.show?.[selector.name] as unknown[] | undefined)?.includes(
						valueOf(selector.name),
					),
			);
		for (const field of set) {
			if (picksAnother(field)) continue;
			if (!names.includes(field.displayName)) names.push(field.displayName);
		}
	}
	return names;
}
