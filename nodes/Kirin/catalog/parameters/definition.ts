import type { IDataObject, IDisplayOptions, INodeProperties } from 'n8n-workflow';

import type { BinaryFile } from '../binaryImage';
import type { CheckedInput } from '../input';
import type { KirinModel, ModelParameters } from '../types';

/** A key of {@link ModelParameters}: one parameter kind of the provider pages. */
export type ParameterKey = keyof ModelParameters;

/** The page's description of one parameter, for one model. */
export type SpecOf<K extends ParameterKey> = NonNullable<ModelParameters[K]>;

/** How the node reads raw values of one item: node parameters by name, and binary data. */
export interface ParameterReader {
	/** A node parameter's value for the item, with expressions resolved; undefined when hidden. */
	get(name: string): unknown;
	/** One of the item's binary properties, read only when asked (see {@link BinaryFile}). */
	binary(property: string): BinaryFile;
	/** The names of the item's binary properties. */
	binaryNames(): string[];
}

/**
 * Everything the node does with one parameter kind, in one place: its fields (built per group of
 * models whose pages describe it alike), how its raw value is read, its page rules, and its body key.
 * The registry (`index.ts`) lists one definition per key of `ModelParameters`.
 */
export interface ParameterDefinition<K extends ParameterKey = ParameterKey> {
	key: K;
	/** The node fields for a group of models that share `spec`, in display order. */
	fields(spec: SpecOf<K>, models: KirinModel[]): INodeProperties[];
	/** Reads the item's raw value (what `GenerateInput[key]` holds), for a model's `spec`. */
	read(reader: ParameterReader, spec: SpecOf<K>): Promise<unknown> | unknown;
	/**
	 * Checks a raw value against the model's page and normalises it; `checked` holds the parameters
	 * checked before this one (registry order), e.g. the mode for the sound rule.
	 *
	 * @returns the value to send, or undefined when it is not sent
	 * @throws InputRuleError naming the field and the rule
	 */
	check(raw: unknown, spec: SpecOf<K>, model: KirinModel, checked: CheckedInput): unknown;
	/** Writes a checked value into the request body under the page's name. */
	toBody(value: unknown, body: IDataObject): void;
}

/**
 * Display options that show a field for Generate Video with one of `models` (plus `extra`
 * conditions on other fields).
 */
export function showFor(
	models: KirinModel[],
	extra: Record<string, Array<string | boolean>> = {},
): IDisplayOptions {
	return { show: { operation: ['generate'], model: models.map((model) => model.id), ...extra } };
}

/** What a one-field parameter gives: the field but for its name and display options, and its rules. */
export interface OneFieldParameter<K extends ParameterKey> extends Pick<
	ParameterDefinition<K>,
	'check' | 'toBody'
> {
	/** The field for a group of models that share `spec`; its name is the parameter's key. */
	field(spec: SpecOf<K>, models: KirinModel[]): Omit<INodeProperties, 'name' | 'displayOptions'>;
	/** Conditions on other fields besides the model, e.g. `{ mode: ['pro'] }`. */
	showWhen?(spec: SpecOf<K>): Record<string, Array<string | boolean>>;
}

/**
 * A parameter shown as one field named after its key, shown for the models whose pages list it
 * (and `showWhen`'s conditions), and read back under that name.
 */
export function oneFieldParameter<K extends ParameterKey>(
	key: K,
	{ field, showWhen, check, toBody }: OneFieldParameter<K>,
): ParameterDefinition<K> {
	return {
		key,
		fields: (spec, models) => {
			const { displayName, ...settings } = field(spec, models);
			const displayOptions = showFor(models, showWhen?.(spec));
			return [{ displayName, name: key, ...settings, displayOptions }];
		},
		read: (reader) => reader.get(key),
		check,
		toBody,
	};
}

/** A writer that puts a checked value into the body under `name` as it is. */
export function bodyKey(name: string): (value: unknown, body: IDataObject) => void {
	return (value, body) => {
		if (value !== undefined) body[name] = value as IDataObject[string];
	};
}
